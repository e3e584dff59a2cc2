import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { parquetWriteFile } from 'hyparquet-writer';
import { readDataBlocks, detectFormat, newReadReport, type ColumnRequest, type ReadOptions } from '../../../src/data/readers/index.js';
import { loadDataset } from '../../../src/data/dataset.js';
import { DataError, AmpfitError } from '../../../src/util/errors.js';
import { SAMPLE_4D, tempDir, writeText } from '../../helpers.js';
import { writeFixtures } from '../../support/fixtures.js';

const ROWS = 2000;
const fx = writeFixtures(ROWS);
const at = (name: string): string => join(fx.dir, name);
const col = (name: string): Float64Array => fx.columns[fx.header.indexOf(name)];

async function readAll(file: string, opts: Partial<ReadOptions> & { columns: ReadOptions['columns'] }) {
  const report = newReadReport();
  const rows: number[][] = [];
  let width = 0;
  for await (const b of readDataBlocks([file], opts, report)) {
    width = b.values.length / b.rows;
    for (let r = 0; r < b.rows; r++) rows.push(Array.from(b.values.subarray(r * width, (r + 1) * width)));
  }
  return { rows, report };
}

const REQ: ColumnRequest[] = [{ name: 'x3', check: 'finite' }, { name: 'x1', check: 'finite' }, { name: 'f01', check: 'positive' }];

test('formats are told by their bytes, not their names', () => {
  assert.equal(detectFormat(at('columns.h5')), 'hdf5');
  assert.equal(detectFormat(at('table.npy')), 'npy');
  assert.equal(detectFormat(at('columns.npz')), 'npz');
  assert.equal(detectFormat(at('table.parquet')), 'parquet');
  assert.equal(detectFormat(SAMPLE_4D), 'csv');
  const dir = tempDir();
  writeText(dir, 'ev.dat.gz', '<?xml version="1.0"?>\n<LesHouchesEvents version="3.0">\n</LesHouchesEvents>\n');
  assert.equal(detectFormat(join(dir, 'ev.dat.gz')), 'lhe');
});

test('every layout of every format gives the exact doubles of the CSV, in the requested order', async () => {
  const layouts: [string, ReadOptions['format']][] = [
    ['columns.h5', undefined],
    ['table.h5', { dataset: '/train' }],
    ['table.h5', { dataset: '/unnamed', columns: fx.header }],
    ['table.h5', { dataset: '/group' }],
    ['table.npy', { columns: fx.header }],
    ['fortran.npy', { columns: fx.header }],
    ['columns.npz', undefined],
    ['compressed.npz', undefined],
    ['table.npz', { dataset: 'table', columns: fx.header }],
    ['table.parquet', undefined],
  ];
  for (const [file, format] of layouts) {
    const { rows, report } = await readAll(at(file), { columns: REQ, format, blockRows: 777 });
    assert.equal(rows.length, ROWS, file);
    for (const r of [0, 1, 776, 777, 1400, ROWS - 1]) {
      assert.deepEqual(rows[r], [col('x3')[r], col('x1')[r], col('f01')[r]], `${file} ${JSON.stringify(format)} row ${r}`);
    }
    assert.equal(report.files[0].unit, 'row');
    assert.match(report.files[0].sha256 ?? '', /^[0-9a-f]{64}$/);
  }
});

test('loadDataset on HDF5 equals loadDataset on the CSV bit for bit; max_rows stops inside a file', async () => {
  const spec = { inputs: null, target: 'f01', born: 'f00', requirePositiveTarget: true, skipBadRows: false, maxRows: ROWS } as const;
  const a = await loadDataset({ ...spec, files: [SAMPLE_4D] });
  const b = await loadDataset({ ...spec, files: [at('columns.h5')] });
  assert.deepEqual(b.inputNames, ['x1', 'x2', 'x3', 'x4']);
  assert.deepEqual(Buffer.from(b.x.buffer, b.x.byteOffset, b.x.byteLength), Buffer.from(a.x.buffer, a.x.byteOffset, a.x.byteLength));
  assert.deepEqual(b.y, a.y);
  const c = await loadDataset({ ...spec, maxRows: 1234, files: [at('table.parquet'), at('columns.h5')] });
  assert.equal(c.n, 1234);
  assert.equal(c.report.truncated, true);
  assert.equal(c.report.files[0].sha256, null);
});

test('float32 and int32 convert exactly; int64 beyond 2^53, NaN, infinity and a non-positive target are named errors', async () => {
  const { rows } = await readAll(at('dtypes.h5'), { columns: [{ name: 'x1', check: 'finite' }, { name: 'i32', check: 'finite' }] });
  assert.deepEqual(rows.map((r) => r[0]), [0.5, 0.25, 0.125, 0.75, Math.fround(0.1)]);
  assert.deepEqual(rows.map((r) => r[1]), [1, 2, 3, -4, 5]);
  await assert.rejects(readAll(at('dtypes.h5'), { columns: [{ name: 'i64', check: 'finite' }] }), (e: unknown) => {
    assert.ok(e instanceof DataError);
    assert.equal(e.message, `${at('dtypes.h5')}, row 5, column 'i64': 64-bit integer 9007199254740993 is beyond 2^53 and has no exact float64 value`);
    return true;
  });
  await assert.rejects(readAll(at('dtypes.h5'), { columns: [{ name: 'f', check: 'finite' }] }), new RegExp(`dtypes\\.h5, row 3, column 'f': NaN value`));
  await assert.rejects(readAll(at('dtypes.h5'), { columns: [{ name: 'g', check: 'positive' }] }), /row 2, column 'g': value -2 is not positive/);
  await assert.rejects(readAll(at('dtypes.h5'), { columns: [{ name: 'x1', check: 'finite' }, { name: 'short', check: 'finite' }] }), /column 'short': 2 rows, the other columns 5/);
  await assert.rejects(readAll(at('dtypes.h5'), { columns: [{ name: 'text', check: 'finite' }] }), /column 'text': type class 3/);
  await assert.rejects(readAll(at('dtypes.h5'), { columns: [{ name: 'nope', check: 'finite' }] }), /column 'nope': required column dataset 'nope' is missing/);
  // With skipBadRows the rows are skipped and counted, not dropped silently.
  const skipped = await readAll(at('dtypes.h5'), { columns: [{ name: 'f', check: 'finite' }, { name: 'g', check: 'positive' }], skipBadRows: true });
  assert.deepEqual(skipped.rows, [[1, 1], [5, 5]]);
  assert.equal(skipped.report.skipped, 3);
  assert.deepEqual(skipped.report.skippedExamples.map((s) => [s.line, s.column]), [[2, 'g'], [3, 'f'], [4, 'g']]);
});

test('HDF5 and NumPy layout errors name the file and dataset', async () => {
  const one: ColumnRequest[] = [{ name: 'x1', check: 'finite' }];
  await assert.rejects(readAll(at('table.h5'), { columns: one, format: { dataset: '/nope' } }), /table\.h5: no dataset or group '\/nope'/);
  await assert.rejects(readAll(at('table.h5'), { columns: one, format: { dataset: '/unnamed' } }), /dataset \/unnamed: its 7 columns have no names/);
  await assert.rejects(readAll(at('table.npy'), { columns: one }), /table\.npy: a 2-D array of 7 columns has no column names; give them with "data\.columns"/);
  await assert.rejects(readAll(at('table.npy'), { columns: one, format: { columns: ['a', 'b'] } }), /names 2 columns, the array has 7/);
  await assert.rejects(readAll(at('table.npz'), { columns: one }), /not all 1-D columns; name the one to read with "data\.dataset"/);
  await assert.rejects(readAll(at('f16.npy'), { columns: one, format: { columns: ['x1', 'x2'] } }), /dtype '<f2' is not read/);
  await assert.rejects(readAll(at('i64.npy'), { columns: one, format: { columns: ['x1', 'x2'] } }), /i64\.npy, row 2, column 'x1': 64-bit integer 9007199254740993/);
  await assert.rejects(readAll(at('nan.npy'), { columns: [{ name: 'a', check: 'finite' }, { name: 'b', check: 'positive' }], format: { columns: ['a', 'b'] } }), /nan\.npy, row 2, column 'b': NaN value/);
  const be = await readAll(at('f32be.npy'), { columns: [{ name: 'b', check: 'finite' }, { name: 'a', check: 'finite' }], format: { columns: ['a', 'b'] } });
  assert.deepEqual(be.rows, [[1, 0.5], [2, Math.fround(0.1)]]);
});

test('Parquet: nulls, INT64 beyond 2^53 and non-numeric columns are named errors', async () => {
  const dir = tempDir();
  const file = join(dir, 'bad.parquet');
  parquetWriteFile({
    filename: file,
    columnData: [
      { name: 'x1', data: [0.5, null, 0.25], type: 'DOUBLE' },
      { name: 'n', data: new BigInt64Array([1n, 2n ** 53n + 1n, 3n]), type: 'INT64' },
      { name: 'i', data: new Int32Array([1, 2, 3]), type: 'INT32', nullable: false },
      { name: 's', data: ['a', 'b', 'c'], type: 'STRING' },
    ],
  });
  await assert.rejects(readAll(file, { columns: [{ name: 'x1', check: 'finite' }] }), /bad\.parquet, row 2, column 'x1': missing \(null\) value/);
  await assert.rejects(readAll(file, { columns: [{ name: 'n', check: 'finite' }] }), /bad\.parquet, row 2, column 'n': 64-bit integer 9007199254740993/);
  await assert.rejects(readAll(file, { columns: [{ name: 's', check: 'finite' }] }), /column 's': Parquet type BYTE_ARRAY \(UTF8\) is not a number/);
  const ok = await readAll(file, { columns: [{ name: 'i', check: 'finite' }, { name: 'x1', check: 'finite' }], skipBadRows: true });
  assert.deepEqual(ok.rows, [[1, 0.5], [3, 0.25]]);
  assert.equal(ok.report.skipped, 1);
  await assert.rejects(readAll(join(dir, 'nothing.h5'), { columns: [] }), AmpfitError);
});
