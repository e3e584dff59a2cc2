// ampfit_eval_fallback (native/runtime/src/fallback.c): the surrogate where
// σ/|f| ≤ tol, the caller's exact function (an analytic stand-in in
// test/runtime/physics.c: 1 + Σ_j (j+1) x_j²) at every other point and at
// points without a value, called once with them gathered; checked point by
// point against predict / predictUncertain.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { validateConfig } from '../../src/config/load.js';
import { loadDataset } from '../../src/data/dataset.js';
import { loadModel } from '../../src/models/surrogate.js';
import { runTraining } from '../../src/training/run.js';
import { memoryLogger } from '../../src/util/log.js';
import { SAMPLE_2D, tempDir } from '../helpers.js';
import { AGREEMENT, haveGcc, maxRelativeDifference } from '../export/fixtures.js';
import { buildPhysics, pointFile, runPhysics } from './physicsDriver.js';

const work = tempDir('ampfit-fallback-');
const skip = haveGcc() ? false : 'gcc is not installed';
const driver = skip === false ? buildPhysics(work) : '';
const quick = { steps_per_epoch: 20, epochs: 2, decay_epochs: 2, batch_size: 64, threads: 1, seed: 3 };

async function train(name: string, keys: Record<string, unknown>): Promise<string> {
  const dir = join(work, name);
  const config = validateConfig({ data: { files: SAMPLE_2D, target: 'f01', born: 'f00', max_rows: 1500 }, target_transform: 'log-standardize', ...keys }, name);
  await runTraining({ config, outDir: dir, log: memoryLogger() });
  return dir;
}

const exact = (x: ArrayLike<number>): number => 1 + x[0] * x[0] + 2 * x[1] * x[1];

/** 400 sample rows, then a NaN row and a row outside the cube. */
async function points(): Promise<{ x: Float64Array; n: number }> {
  const data = await loadDataset({ files: [SAMPLE_2D], inputs: null, target: 'f01', born: null, requirePositiveTarget: false, skipBadRows: false, maxRows: 400 });
  const x = new Float64Array(2 * (data.n + 2));
  x.set(data.x);
  x.set([Number.NaN, 0.5, 0.5, 1.5], 2 * data.n);
  return { x, n: data.n + 2 };
}

function fallback(model: string, x: Float64Array, n: number, tol: string, fail = false): { status: number; message: string; fraction: number; calls: number; points: number; out: number[] } {
  const r = runPhysics(driver, [model, 'fallback', pointFile(work, x), String(n), tol, ...(fail ? ['fail'] : [])]);
  return { status: r.status, message: r.message, fraction: Number(r.keys.get('fraction')), calls: Number(r.keys.get('calls')), points: Number(r.keys.get('points')), out: r.rows.map((v) => v[0]) };
}

test('ampfit_eval_fallback: exactly the points with σ/|f| > tol or no value call the exact function, once; the rest are predict\'s values', { skip }, async () => {
  const dir = await train('hetero', { model_type: 'dnn', depth: 1, width: 8, activation: 'softplus', uncertainty: 'heteroscedastic', ...quick });
  const { x, n } = await points();
  const valid = n - 2;
  const m = loadModel(dir);
  const u = m.predictUncertain(x.subarray(0, 2 * valid), valid);
  const ratio = Array.from(u.value, (v, i) => u.sigmaSyst[i] / Math.abs(v));
  // A tol halfway between two neighbouring ratios, so rounding cannot move a point across it.
  const sorted = [...ratio].sort((a, b) => a - b);
  const tol = (sorted[299] + sorted[300]) / 2;
  const r = fallback(dir, x, n, tol.toPrecision(17));
  assert.equal(r.status, 0, r.message);
  const falls = [...ratio.map((q) => q > tol), true, true];
  const k = falls.filter(Boolean).length;
  assert.equal(k, 100 + 2);
  assert.deepEqual([r.fraction, r.calls, r.points], [k / n, 1, k]);
  const want = Array.from({ length: n }, (_, i) => (falls[i] ? exact(x.subarray(2 * i, 2 * i + 2)) : u.value[i]));
  const d = maxRelativeDifference(r.out, want);
  assert.ok(d.max <= AGREEMENT, `max relative difference ${d.max} at ${d.at}`);
  // tol 0: every point with σ > 0 falls back; +inf: only the two without a value; a huge finite tol likewise.
  assert.equal(fallback(dir, x, n, '0').fraction, 1);
  for (const t of ['inf', '1e300']) {
    const s = fallback(dir, x, n, t);
    assert.deepEqual([s.status, s.fraction, s.points], [0, 2 / n, 2], t);
    assert.ok(s.out.slice(0, valid).every((v, i) => Math.abs(v - u.value[i]) <= AGREEMENT * Math.abs(u.value[i])));
  }
  // No point falls back: the exact function is not called at all.
  const none = fallback(dir, x.subarray(0, 2 * valid), valid, 'inf');
  assert.deepEqual([none.status, none.fraction, none.calls], [0, 0, 0]);
  // The exact function fails: AMPFIT_ERR_CALLBACK, its code in the message.
  const f = fallback(dir, x, n, tol.toPrecision(17), true);
  assert.equal(f.status, 8);
  assert.match(f.message, /^ampfit_eval_fallback: the exact function returned 42 for 102 of 402 points \(their values are NaN\)$/);
  // A negative or NaN tol is a caller's mistake.
  for (const t of ['-1', 'nan']) {
    const b = fallback(dir, x, n, t);
    assert.equal(b.status, 5, t);
    assert.match(b.message, /tol = .*; it is a relative uncertainty, >= 0/);
  }
});

test('ampfit_eval_fallback on a model without σ: refused for a finite tol (it cannot judge itself), with tol = +inf only points without a value fall back', { skip }, async () => {
  const dir = await train('plain', { model_type: 'poly', degree: 4 });
  const { x, n } = await points();
  const r = fallback(dir, x, n, '0.01');
  assert.equal(r.status, 4);
  assert.match(r.message, /this model learned no uncertainty, so sigma\/\|f\| > 0.01 cannot be decided; .*pass tol = INFINITY/);
  assert.equal(r.calls, 0);
  const s = fallback(dir, x, n, 'inf');
  assert.deepEqual([s.status, s.fraction, s.calls, s.points], [0, 2 / n, 1, 2]);
  const want = loadModel(dir).predict(x.subarray(0, 2 * (n - 2)), n - 2);
  assert.ok(maxRelativeDifference(s.out.slice(0, n - 2), want).max <= AGREEMENT);
  assert.deepEqual(s.out.slice(n - 2), [exact([Number.NaN, 0.5]), exact([0.5, 1.5])]);
});
