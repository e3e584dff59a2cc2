import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readDataBlocks, newReadReport, type ColumnRequest, type ReadOptions } from '../../../src/data/readers/index.js';
import { DataError } from '../../../src/util/errors.js';
import { join } from 'node:path';
import { SAMPLE_2D, tempDir, writeText } from '../../helpers.js';

const cols = (...names: string[]): ColumnRequest[] => names.map((name) => ({ name, check: 'finite' as const }));

async function readAll(files: string[], options: ReadOptions) {
  const report = newReadReport();
  const values: number[] = [];
  const lines: string[] = [];
  for await (const b of readDataBlocks(files, options, report)) {
    values.push(...b.values);
    if (b.lines) lines.push(...b.lines);
  }
  return { values, lines, report };
}

async function expectDataError(text: string, columns: ColumnRequest[], match: { line: number; column: string | null; problem: RegExp }) {
  const dir = tempDir();
  const file = writeText(dir, 'bad.csv', text);
  await assert.rejects(readAll([file], { columns }), (e: unknown) => {
    assert.ok(e instanceof DataError, `expected DataError, got ${String(e)}`);
    assert.equal(e.file, file);
    assert.equal(e.line, match.line);
    assert.equal(e.column, match.column);
    assert.match(e.problem, match.problem);
    assert.ok(e.message.includes(`${file}:${match.line}`));
    return true;
  });
}

test('reads plain and gzipped chunks in order, exactly, with requested column order', async () => {
  const dir = tempDir();
  const a = writeText(dir, 'a.csv', 'x1,x2,f\n0.10000000000000001,0.20000000000000001,3.0000000000000004e-07\n1e-300,2,5\n');
  const b = writeText(dir, 'b.csv.gz', 'f,x2,x1\r\n7,0.5,0.25\r\n');
  const { values, report } = await readAll([a, b], { columns: cols('x2', 'f') });
  assert.deepEqual(values, [0.2, 3.0000000000000004e-7, 2, 5, 0.5, 7]);
  assert.equal(Object.is(values[1], Number('3.0000000000000004e-07')), true);
  assert.equal(report.rows, 3);
  assert.deepEqual(report.files.map((f) => f.rows), [2, 1]);
  assert.match(report.files[0].sha256 ?? '', /^[0-9a-f]{64}$/);
});

test('the shipped zz2d sample parses to the exact doubles written', async () => {
  const { values, report } = await readAll([SAMPLE_2D], { columns: cols('x1', 'x2', 'f00', 'f01', 'y'), maxRows: 2 });
  assert.deepEqual(values.slice(0, 5), [
    0.34862223904319001, 0.29526738047343859, 3.1671153685814024e-7, 2.1920647729802897e-8, 0.069213290893225268,
  ]);
  assert.equal(report.rows, 2);
  assert.equal(report.truncated, true);
});

test('rows split across read chunks and blocks are all read', async () => {
  const dir = tempDir();
  const n = 60000; // ~3 MB: several 1 MiB read chunks
  const rows: string[] = ['x1,x2,y'];
  for (let i = 0; i < n; i++) rows.push(`${(i + 0.5) / n},${1 - (i + 0.5) / n},${i + 1}`);
  const file = writeText(dir, 'big.csv.gz', rows.join('\n') + '\n');
  const { values, report } = await readAll([file], { columns: cols('y'), blockRows: 777 });
  assert.equal(report.rows, n);
  assert.equal(values.length, n);
  for (let i = 0; i < n; i++) if (values[i] !== i + 1) assert.fail(`row ${i}: ${values[i]}`);
});

test('bad cells name file, line and column', async () => {
  const header = 'x1,x2,y\n';
  const c = cols('x1', 'x2', 'y');
  await expectDataError(header + '0.1,0.2,0.3\n0.1,abc,0.3\n', c, { line: 3, column: 'x2', problem: /non-numeric value 'abc'/ });
  await expectDataError(header + '0.1,0.2,0.3\n0.4,0.5\n', c, { line: 3, column: null, problem: /wrong column count: found 2, header has 3/ });
  await expectDataError(header + '0.1,0.2,0.3,9\n', c, { line: 2, column: null, problem: /wrong column count: more than/ });
  await expectDataError(header + '0.1,NaN,0.3\n', c, { line: 2, column: 'x2', problem: /NaN value/ });
  await expectDataError(header + '0.1,0.2,inf\n', c, { line: 2, column: 'y', problem: /infinite value/ });
  await expectDataError(header + '0.1,0.2,-Infinity\n', c, { line: 2, column: 'y', problem: /infinite value/ });
  await expectDataError(header + '0.1,,0.3\n', c, { line: 2, column: 'x2', problem: /empty cell/ });
  await expectDataError(header + '0x1f,0.2,0.3\n', c, { line: 2, column: 'x1', problem: /non-numeric/ });
  await expectDataError(header + '0.1,0.2,0.3\n\n0.1,0.2,0.3\n', c, { line: 3, column: null, problem: /empty line/ });
  await expectDataError('x1,y\n0.1,0.3\n', c, { line: 1, column: 'x2', problem: /required column 'x2' is missing/ });
  await expectDataError('x1,x1,y\n', c, { line: 1, column: 'x1', problem: /twice/ });
  await expectDataError(header + '0.1,0.2,0\n', [...cols('x1', 'x2'), { name: 'y', check: 'positive' }], {
    line: 2, column: 'y', problem: /not positive/,
  });
  await expectDataError(header + '0.1,0.2,-0.5\n', [...cols('x1', 'x2'), { name: 'y', check: 'positive' }], {
    line: 2, column: 'y', problem: /not positive/,
  });
  await expectDataError(header + '0.1,0.2,0\n', [...cols('x1', 'x2'), { name: 'y', check: 'nonzero' }], {
    line: 2, column: 'y', problem: /is zero/,
  });
});

test('cells of columns that are not requested are not parsed (a text column may sit beside the numbers)', async () => {
  const dir = tempDir();
  const file = writeText(dir, 'a.csv', 'x1,note,y\n0.5,abc,1\n');
  const { values } = await readAll([file], { columns: cols('x1', 'y') });
  assert.deepEqual(values, [0.5, 1]);
});

test('with skipBadRows, bad rows are skipped and counted, good rows kept in order', async () => {
  const dir = tempDir();
  const file = writeText(dir, 'a.csv', 'x1,y\n0.1,1\nfoo,2\n0.3,3\n0.4\n0.5,NaN\n0.6,6\n');
  const { values, report } = await readAll([file], { columns: cols('x1', 'y'), skipBadRows: true });
  assert.deepEqual(values, [0.1, 1, 0.3, 3, 0.6, 6]);
  assert.equal(report.rows, 3);
  assert.equal(report.skipped, 3);
  assert.deepEqual(report.skippedExamples.map((s) => s.line), [3, 5, 6]);
  assert.equal(report.files[0].skipped, 3);
});

test('keepLines hands out the raw row text; a trailing newline or none both work', async () => {
  const dir = tempDir();
  const a = writeText(dir, 'a.csv', 'x1,y\n0.1,1\n0.2,2');
  const { lines } = await readAll([a], { columns: cols('x1'), keepLines: true });
  assert.deepEqual(lines, ['0.1,1', '0.2,2']);
});

test('empty and header-only files', async () => {
  const dir = tempDir();
  const empty = writeText(dir, 'e.csv', '');
  await assert.rejects(readAll([empty], { columns: cols('x1') }), /file is empty/);
  const headerOnly = writeText(dir, 'h.csv', 'x1,y\n');
  const { report } = await readAll([headerOnly], { columns: cols('x1') });
  assert.equal(report.rows, 0);
  const noNewline = writeText(dir, 'n.csv', 'x1,y');
  assert.equal((await readAll([noNewline], { columns: cols('y') })).report.rows, 0);
  await assert.rejects(readAll([noNewline], { columns: cols('x2') }), /required column 'x2' is missing/);
});

test('a corrupt gzip file is reported with its name', async () => {
  const dir = tempDir();
  const file = writeText(dir, 'c.csv', '');
  const { writeFileSync } = await import('node:fs');
  const { gzipSync } = await import('node:zlib');
  const gz = gzipSync(Buffer.from('x1,y\n0.1,1\n'.repeat(100)));
  writeFileSync(file, gz.subarray(0, gz.length - 20));
  await assert.rejects(readAll([file], { columns: cols('x1') }), (e: Error) => e.message.includes(file));
});

test('issue 17: whitespace-only, tab and " 0x1f" cells are errors, not 0 and 31', async () => {
  const header = 'x1,x2,y\n';
  const c = cols('x1', 'x2', 'y');
  await expectDataError(header + '0.1, ,0.3\n', c, { line: 2, column: 'x2', problem: /^empty cell \(only spaces or tabs\)$/ });
  await expectDataError(header + '0.1,\t,0.3\n', c, { line: 2, column: 'x2', problem: /^empty cell \(only spaces or tabs\)$/ });
  await expectDataError(header + ' 0x1f,0.2,0.3\n', c, { line: 2, column: 'x1', problem: /non-numeric value ' 0x1f'/ });
  await expectDataError(header + '0.1,0.2,1e999\n', c, { line: 2, column: 'y', problem: /overflows a double/ });
  await expectDataError(header + '0.1,0.2,\u00a00.3\n', c, { line: 2, column: 'y', problem: /non-numeric/ });
  // Spaces around a number are allowed (", " separators).
  const dir = tempDir();
  const ok = writeText(dir, 'ok.csv', 'x1, x2, y\n0.5, 0.25,\t3 \n');
  assert.deepEqual((await readAll([ok], { columns: c })).values, [0.5, 0.25, 3]);
});

test('issue 17: a header quoted as R write.csv writes it is read', async () => {
  const dir = tempDir();
  const file = writeText(dir, 'r.csv', '"x1","x2","y"\r\n0.5,0.25,3\r\n');
  const { values, report } = await readAll([file], { columns: cols('x1', 'x2', 'y') });
  assert.deepEqual(values, [0.5, 0.25, 3]);
  assert.deepEqual(report.header, ['x1', 'x2', 'y']);
});

test('issue 17: UTF-8 text in a copied-through column survives, also across read chunks; non-UTF-8 bytes are an error', async () => {
  const dir = tempDir();
  const rows = ['x1,note'];
  // Enough rows that multi-byte characters straddle the 1 MiB read chunks.
  for (let i = 0; i < 80000; i++) rows.push(`0.5,Zerfall ${i} é→µ²`);
  const file = writeText(dir, 'u.csv', rows.join('\n') + '\n');
  const { lines } = await readAll([file], { columns: cols('x1'), keepLines: true });
  assert.equal(lines.length, 80000);
  for (let i = 0; i < lines.length; i++) if (lines[i] !== rows[i + 1]) assert.fail(`line ${i + 2}: ${lines[i]}`);
  const { writeFileSync } = await import('node:fs');
  const latin1 = join(dir, 'l.csv');
  writeFileSync(latin1, Buffer.concat([Buffer.from('x1,note\n0.5,'), Buffer.from([0xe9]), Buffer.from('\n')]));
  await assert.rejects(readAll([latin1], { columns: cols('x1') }), (e: unknown) => e instanceof DataError && /not UTF-8/.test(e.message));
});

test('issue 17: a binary file or a header without a line end is refused in a short message', async () => {
  const dir = tempDir();
  const { writeFileSync } = await import('node:fs');
  const huge = join(dir, 'huge.csv');
  writeFileSync(huge, 'x'.repeat(3 << 20));
  await assert.rejects(readAll([huge], { columns: cols('x1') }), (e: unknown) => {
    assert.ok(e instanceof DataError);
    assert.match(e.message, /no line end in the first 1,048,576 bytes/);
    assert.ok(e.message.length < 300, `message is ${e.message.length} characters`);
    return true;
  });
  const bin = join(dir, 'bin.csv');
  writeFileSync(bin, Buffer.from([1, 0, 2, 3, 10, 4, 5]));
  await assert.rejects(readAll([bin], { columns: cols('x1') }), /NUL bytes: a binary file/);
  const wide = writeText(dir, 'wide.csv', Array.from({ length: 50000 }, (_, i) => `c${i}`).join(',') + '\n');
  await assert.rejects(readAll([wide], { columns: cols('x1') }), (e: unknown) => {
    assert.ok(e instanceof DataError);
    assert.match(e.message, /required column 'x1' is missing \(header has: c0, c1, .*more characters\)/);
    assert.ok(e.message.length < 400);
    return true;
  });
});

test('issue 17: a file without a header line (numbers in line 1) is refused, not read as column names', async () => {
  await expectDataError('0.5,0.25,3\n0.1,0.2,0.3\n', cols('x1'), { line: 1, column: null, problem: /^header column 1 is the number '0\.5', not a name: the first line must be a header/ });
});
