import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parquetWriteFile } from 'hyparquet-writer';
import { readDataBlocks, newReadReport, type ColumnRequest, type ReadOptions, type SkippedRow } from '../../../src/data/readers/index.js';
import { DataError } from '../../../src/util/errors.js';
import { tempDir, writeText } from '../../helpers.js';
import { writeFixtures } from '../../support/fixtures.js';

// Issue 21: every reader refuses a bad cell with the CSV reader's words —
// the file, the row (line for CSV, event for LHE), the column — and with
// skip_bad_rows counts it instead of dropping it silently. The same six rows
// in each format (numpy, h5py and hyparquet-writer wrote them): row 3 has a
// NaN in a, row 4 an infinite b, rows 5 and 6 a b of −1 and 0.
const fx = writeFixtures(1000);
const dir = tempDir();
const A = [0.5, 0.25, NaN, 0.5, 0.5, 0.5];
const B = [1, 2, 1, Infinity, -1, 0];
const parquet = join(dir, 'bad.parquet');
parquetWriteFile({ filename: parquet, columnData: [{ name: 'a', data: Float64Array.from(A), type: 'DOUBLE', nullable: false }, { name: 'b', data: Float64Array.from(B), type: 'DOUBLE', nullable: false }] });
const csv = writeText(dir, 'bad.csv', 'a,b\n0.5,1\n0.25,2\nnan,1\n0.5,inf\n0.5,-1\n0.5,0\n');

const REQ: ColumnRequest[] = [{ name: 'a', check: 'finite' }, { name: 'b', check: 'positive' }];

async function read(file: string, opts: Partial<ReadOptions> = {}): Promise<{ rows: number[][]; skipped: SkippedRow[]; total: number }> {
  const report = newReadReport();
  const rows: number[][] = [];
  for await (const b of readDataBlocks([file], { columns: REQ, ...opts }, report)) {
    for (let r = 0; r < b.rows; r++) rows.push([b.values[2 * r], b.values[2 * r + 1]]);
  }
  return { rows, skipped: report.skippedExamples, total: report.skipped };
}

const NOT_POSITIVE = (v: number): string => `value ${v} is not positive, but relative errors need a positive target`;

const FILES: [string, string, ReadOptions['format']][] = [
  ['npy', join(fx.dir, 'bad.npy'), { columns: ['a', 'b'] }],
  ['npz', join(fx.dir, 'bad.npz'), undefined],
  ['hdf5 columns', join(fx.dir, 'bad.h5'), undefined],
  ['hdf5 table', join(fx.dir, 'bad.h5'), { dataset: '/table' }],
  ['parquet', parquet, undefined],
];

test('NaN, infinity and a non-positive target: the same named error from every binary reader as from the CSV reader', async () => {
  const fromCsv = await read(csv, { skipBadRows: true });
  assert.deepEqual(fromCsv.skipped.map((s) => [s.line, s.column, s.problem]), [[4, 'a', 'NaN value'], [5, 'b', "infinite value 'inf'"], [6, 'b', NOT_POSITIVE(-1)], [7, 'b', NOT_POSITIVE(0)]]);
  await assert.rejects(read(csv), (e: unknown) => e instanceof DataError && e.message === `${csv}:4, column 'a': NaN value`);
  for (const [what, file, format] of FILES) {
    const where = what === 'hdf5 table' ? `${file}, dataset /table` : file;
    const got = await read(file, { format, skipBadRows: true });
    assert.deepEqual(got.rows, [[0.5, 1], [0.25, 2]], what);
    assert.equal(got.total, 4, what);
    // Rows, not lines: the CSV's line numbers less its header line; the binary text of infinity is JavaScript's.
    assert.deepEqual(got.skipped.map((s) => [s.file, s.line, s.column, s.problem]), [[where, 3, 'a', 'NaN value'], [where, 4, 'b', "infinite value 'Infinity'"], [where, 5, 'b', NOT_POSITIVE(-1)], [where, 6, 'b', NOT_POSITIVE(0)]], what);
    await assert.rejects(read(file, { format }), (e: unknown) => e instanceof DataError && e.message === `${where}, row 3, column 'a': NaN value`, what);
    await assert.rejects(read(file, { format, maxRows: 10, columns: [{ name: 'b', check: 'positive' }] }), (e: unknown) => e instanceof DataError && e.message === `${where}, row 4, column 'b': infinite value 'Infinity'`, what);
    await assert.rejects(read(file, { format, columns: [{ name: 'a', check: 'finite' }, { name: 'c', check: 'finite' }] }), (e: unknown) => e instanceof DataError && e.column === 'c' && /required (column|column dataset) 'c' is missing \(the file has: a, b\)/.test(e.message), what);
  }
});

const particle = (id: number, st: number, px: string, pz: string, e: string): string => `${id} ${st} 0 0 0 0 ${px} 0 ${pz} ${e} 0.0 0.0 9.0`;
const event = (w: string, pz = '60.0', px = '80.0'): string =>
  `<event>\n 4 1 ${w} 91.18 7.5e-03 1.18e-01\n${[particle(2, -1, '0', '100.0', '100.0'), particle(-2, -1, '0', '-100.0', '100.0'), particle(11, 1, px, pz, '100.0'), particle(-11, 1, '-80.0', '-60.0', '100.0')].join('\n')}\n</event>`;

test('LHE: a NaN or infinite momentum and a non-positive weight are named by event and column, and counted when skipped', async () => {
  const file = writeText(dir, 'bad.lhe', `<LesHouchesEvents version="3.0">\n<init>\n2 -2 6.5e3 6.5e3 0 0 0 0 3 1\n1.0 0.1 1.0 1\n</init>\n${[event('1.5e-3'), event('2e-3', 'nan'), event('2e-3', '60.0', 'inf'), event('-1e-3'), event('0'), event('3e-3')].join('\n')}\n</LesHouchesEvents>\n`);
  const particles = [{ name: 'u', type: 'u' }, { name: 'ub', type: 'u~' }, { name: 'em', type: 'e-' }, { name: 'ep', type: 'e+' }];
  const want: ColumnRequest[] = [{ name: 'em_pz', check: 'finite' }, { name: 'em_px', check: 'finite' }, { name: 'weight', check: 'positive' }];
  const report = newReadReport();
  const rows: number[][] = [];
  for await (const b of readDataBlocks([file], { columns: want, format: { particles }, skipBadRows: true }, report)) for (let r = 0; r < b.rows; r++) rows.push(Array.from(b.values.subarray(3 * r, 3 * r + 3)));
  assert.deepEqual(rows, [[60, 80, 1.5e-3], [60, 80, 3e-3]]);
  assert.equal(report.skipped, 4);
  assert.deepEqual(report.skippedExamples.map((s) => [s.line, s.column]), [[2, 'em_pz'], [3, 'em_px'], [4, 'weight'], [5, 'weight']]);
  assert.deepEqual(report.skippedExamples.slice(2).map((s) => s.problem), [NOT_POSITIVE(-0.001), NOT_POSITIVE(0)]);
  await assert.rejects(
    (async () => {
      for await (const _ of readDataBlocks([file], { columns: want, format: { particles } })) void _;
    })(),
    (e: unknown) => e instanceof DataError && e.message.startsWith(`${file}, event 2, column 'em_pz': `),
  );
});

test('big-endian float64 .npy in C and Fortran order and an .npz of several 1-D arrays of mixed dtypes read exactly', async () => {
  const col = (name: string): Float64Array => fx.columns[fx.header.indexOf(name)];
  for (const name of ['be8.npy', 'fortran_be8.npy']) {
    const report = newReadReport();
    const got: number[][] = [];
    const req: ColumnRequest[] = [{ name: 'f01', check: 'positive' }, { name: 'x4', check: 'finite' }];
    for await (const b of readDataBlocks([join(fx.dir, name)], { columns: req, format: { columns: fx.header }, blockRows: 7 }, report)) for (let r = 0; r < b.rows; r++) got.push([b.values[2 * r], b.values[2 * r + 1]]);
    assert.deepEqual(got, Array.from({ length: 1000 }, (_, r) => [col('f01')[r], col('x4')[r]]), name);
  }
  const got: number[][] = [];
  const req: ColumnRequest[] = [{ name: 'y', check: 'positive' }, { name: 'n', check: 'finite' }, { name: 's', check: 'finite' }, { name: 'x1', check: 'finite' }];
  for await (const b of readDataBlocks([join(fx.dir, 'several.npz')], { columns: req })) for (let r = 0; r < b.rows; r++) got.push(Array.from(b.values.subarray(4 * r, 4 * r + 4)));
  assert.deepEqual(got, Array.from({ length: 1000 }, (_, r) => [col('f01')[r], r, Math.fround(col('x2')[r]), col('x1')[r]]));
});

test('constant memory: with reuseBlocks the 10 blocks of a file share at most two blocks of arrays (Parquet: one row group\'s pages)', async () => {
  const REQ3: ColumnRequest[] = [{ name: 'x3', check: 'finite' }, { name: 'x1', check: 'finite' }, { name: 'f01', check: 'positive' }];
  const layouts: [string, ReadOptions['format'], number][] = [
    ['table.npy', { columns: fx.header }, 6],
    ['fortran.npy', { columns: fx.header }, 6],
    ['columns.npz', undefined, 6],
    ['compressed.npz', undefined, 6],
    ['columns.h5', undefined, 6],
    ['table.h5', { dataset: '/train' }, 6],
    ['table.h5', { dataset: '/group' }, 6],
    // Row groups of 700 rows: two groups, three columns, pages passed through as hyparquet decoded them.
    ['table.parquet', undefined, 6],
  ];
  for (const [file, format, most] of layouts) {
    const buffers = new Set<ArrayBufferLike>();
    let blocks = 0;
    for await (const b of readDataBlocks([join(fx.dir, file)], { columns: REQ3, format, blockRows: 100, reuseBlocks: true })) {
      blocks++;
      for (const c of b.columns ?? []) buffers.add(c.buffer);
    }
    assert.equal(blocks, 10, file);
    assert.ok(buffers.size <= most, `${file} ${JSON.stringify(format)}: ${buffers.size} arrays for ${blocks} blocks`);
  }
});
