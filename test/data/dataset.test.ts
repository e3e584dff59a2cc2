import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDataset, takeRows, type DataSpec } from '../../src/data/dataset.js';
import { DataError } from '../../src/util/errors.js';
import { SAMPLE_4D, tempDir, writeText } from '../helpers.js';

const spec = (files: string[], extra: Partial<DataSpec> = {}): DataSpec => ({
  files, inputs: null, target: 'f01', born: 'f00', requirePositiveTarget: true, skipBadRows: false, ...extra,
});

test('default inputs are the x columns in header order; the Born ratio is the target', async () => {
  const dir = tempDir();
  const f = writeText(dir, 'a.csv', 'f00,x2,note,x1,f01\n2,0.2,7,0.1,0.5\n4,0.4,7,0.3,1\n');
  const ds = await loadDataset(spec([f]));
  assert.deepEqual(ds.inputNames, ['x2', 'x1']);
  assert.deepEqual([...ds.x], [0.2, 0.1, 0.4, 0.3]);
  assert.deepEqual([...ds.y], [0.25, 0.25]);
  assert.deepEqual([...(ds.born as Float64Array)], [2, 4]);
  const plain = await loadDataset(spec([f], { inputs: ['x1'], target: 'note', born: null }));
  assert.deepEqual([...plain.y], [7, 7]);
  assert.equal(plain.born, null);
});

test('the Born ratio of the shipped zz4d sample reproduces its y column', async () => {
  const ratio = await loadDataset(spec([SAMPLE_4D]));
  const y = await loadDataset(spec([SAMPLE_4D], { target: 'y', born: null }));
  assert.equal(ratio.n, 20000);
  assert.equal(ratio.d, 4);
  let worst = 0;
  for (let i = 0; i < ratio.n; i++) worst = Math.max(worst, Math.abs(ratio.y[i] / y.y[i] - 1));
  assert.ok(worst < 4e-16, `f01/f00 vs y: ${worst}`); // the data card's y is f01/f00 in double precision
});

test('a zero Born term or a negative target is a located error; sign-changing targets can be allowed', async () => {
  const dir = tempDir();
  const f = writeText(dir, 'a.csv', 'x1,f00,f01\n0.1,1,0.5\n0.2,0,0.5\n');
  await assert.rejects(loadDataset(spec([f])), (e: unknown) => e instanceof DataError && e.line === 3 && e.column === 'f00');
  const g = writeText(dir, 'b.csv', 'x1,f00,f01\n0.1,1,-0.5\n');
  await assert.rejects(loadDataset(spec([g])), (e: unknown) => e instanceof DataError && e.line === 2 && e.column === 'f01');
  const ok = await loadDataset(spec([g], { requirePositiveTarget: false }));
  assert.deepEqual([...ok.y], [-0.5]);
});

test('files whose default inputs differ are refused, not read as a projection of the later one', async () => {
  const dir = tempDir();
  const a = writeText(dir, 'a.csv', 'x1,x2,f00,f01\n0.1,0.2,1,0.5\n');
  const b = writeText(dir, 'b.csv', 'x1,x2,x3,f00,f01\n0.1,0.2,0.3,1,0.5\n');
  await assert.rejects(loadDataset(spec([a, b])), (e: unknown) => e instanceof DataError && e.file === b && /select \(x1, x2, x3, f01, f00\) where the first file's select \(x1, x2, f01, f00\)/.test(e.message));
  // The same columns in another order are the same dataset.
  const c = writeText(dir, 'c.csv', 'f01,x2,f00,x1\n0.5,0.2,1,0.1\n');
  assert.deepEqual([...(await loadDataset(spec([a, c]))).x], [0.1, 0.2, 0.1, 0.2]);
  // Named inputs choose the same columns from any header.
  assert.equal((await loadDataset(spec([a, b], { inputs: ['x1', 'x2'] }))).n, 2);
});

test('takeRows gathers rows of a row-major matrix', () => {
  const x = new Float64Array([0, 1, 10, 11, 20, 21]);
  assert.deepEqual([...takeRows(x, 2, new Uint32Array([2, 0]))], [20, 21, 0, 1]);
});
