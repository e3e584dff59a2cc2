import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RowSink, type ColumnView } from '../../../src/data/readers/rows.js';
import { newReadReport, type ColumnRequest, type ReadOptions } from '../../../src/data/readers/types.js';
import { DataError } from '../../../src/util/errors.js';
import { Rng } from '../../../src/util/rng.js';

// The sink checks whole columns in tight loops and copies (or passes on) runs
// of good rows; this oracle checks row by row, column by column, in request
// order — the CSV reader's order — and must agree on every accepted value,
// every refused row and its message, and the outside-range counts.

const REQUESTS: ColumnRequest[] = [
  { name: 'a', check: 'finite', range: { lo: 0, hi: 1, what: 'the unit cube [0, 1]' } },
  { name: 'b', check: 'finite' },
  { name: 't', check: 'positive' },
  { name: 'n', check: 'nonzero' },
];
const SPECIAL = [NaN, Infinity, -Infinity, 0, -1, 2, -0];

function data(rows: number, seed: number): Float64Array[] {
  const rng = new Rng(seed);
  return REQUESTS.map(() =>
    Float64Array.from({ length: rows }, () => (rng.uniform() < 0.03 ? SPECIAL[Math.floor(rng.uniform() * SPECIAL.length)] : 0.05 + 0.9 * rng.uniform())),
  );
}

function oracle(cols: Float64Array[], rows: number, count: boolean, maxRows: number) {
  const good: number[][] = [];
  const bad: string[] = [];
  let outside = 0;
  for (let r = 0; r < rows && good.length < maxRows; r++) {
    let problem: string | null = null;
    let isOutside = false;
    for (let s = 0; s < REQUESTS.length && problem === null; s++) {
      const v = cols[s][r];
      const q = REQUESTS[s];
      if (!Number.isFinite(v)) problem = `${q.name}: ${Number.isNaN(v) ? 'NaN value' : `infinite value '${v}'`}`;
      else if (q.check === 'positive' && !(v > 0)) problem = `${q.name}: positive`;
      else if (q.check === 'nonzero' && v === 0) problem = `${q.name}: zero`;
      else if (q.range !== undefined && !(v >= q.range.lo && v <= q.range.hi)) {
        if (count) isOutside = true;
        else problem = `${q.name}: outside`;
      }
    }
    if (problem !== null) bad.push(`${r + 1} ${problem}`);
    else {
      good.push(cols.map((c) => c[r]));
      if (isOutside) outside++;
    }
  }
  return { good, bad, outside };
}

const shortProblem = (e: DataError): string =>
  `${e.line} ${e.column}: ${/NaN|infinite/.test(e.problem) ? e.problem : /not positive/.test(e.problem) ? 'positive' : /is zero/.test(e.problem) ? 'zero' : 'outside'}`;

test('RowSink agrees with a row-by-row oracle: values, refused rows, outside counts, max_rows, block sizes, strides, passed-through blocks', () => {
  for (const [seed, rows, blockRows, stride, reuse, count, maxRows, chunk] of [
    [1, 5000, 700, 1, true, false, Infinity, 5000],
    [2, 5000, 700, 3, false, true, Infinity, 1234],
    [3, 3000, 64, 1, true, true, 1000, 999],
    [4, 3000, 4096, 1, false, false, 2500, 3000],
    [5, 200, 16, 2, true, false, Infinity, 7],
  ] as const) {
    const cols = data(rows, seed);
    const want = oracle(cols, rows, count, maxRows);
    const report = newReadReport();
    const options: ReadOptions = { columns: REQUESTS, skipBadRows: true, blockRows, reuseBlocks: reuse, outsideRange: count ? 'count' : 'error' };
    const sink = new RowSink('f', 'f', 'npy', 'row', REQUESTS, options, report, maxRows);
    const got: number[][] = [];
    // Column s of row r at data[offset + r·stride], handed over in chunks the way readers do.
    const lane = stride > 1 ? 1 : 0;
    const packed = cols.map((c) => {
      const d = new Float64Array(rows * stride).fill(NaN);
      c.forEach((v, r) => (d[r * stride + lane] = v));
      return d;
    });
    for (let a = 0; a < rows && !sink.done; a += chunk) {
      const n = Math.min(chunk, rows - a);
      const views: ColumnView[] = packed.map((d) => ({ data: d, offset: a * stride + lane, stride }));
      sink.add(a + 1, n, views);
      for (const b of sink.take(false)) for (let r = 0; r < b.rows; r++) got.push((b.columns as Float64Array[]).map((c) => c[r]));
    }
    for (const b of sink.take(true)) for (let r = 0; r < b.rows; r++) got.push((b.columns as Float64Array[]).map((c) => c[r]));
    const label = `seed ${seed}`;
    assert.deepEqual(got, want.good, label);
    assert.equal(sink.goodRows, want.good.length, label);
    assert.equal(report.skipped, want.bad.length, label);
    assert.deepEqual(report.skippedExamples.map((s) => shortProblem(new DataError(s.file, s.line, s.column, s.problem, 'row'))), want.bad.slice(0, report.skippedExamples.length), label);
    assert.equal(report.outside.rows, want.outside, label);
  }
});

test('RowSink without skipping throws the first bad row, named as the CSV reader names it', () => {
  const cols = data(3000, 7);
  const want = oracle(cols, 3000, false, Infinity);
  const sink = new RowSink('f.h5', 'f.h5, dataset /t', 'hdf5', 'row', REQUESTS, { columns: REQUESTS }, newReadReport(), Infinity);
  assert.throws(
    () => sink.add(1, 3000, cols.map((d) => ({ data: d, offset: 0, stride: 1 }))),
    (e: unknown) => e instanceof DataError && shortProblem(e) === want.bad[0] && e.message.startsWith(`f.h5, dataset /t, row ${want.bad[0].split(' ')[0]}, column`),
  );
});
