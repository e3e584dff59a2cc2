import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';

import { GaussNewtonCg } from '../../../src/nn/finish/gaussNewtonCg.js';
import { Adam, glorotUniform, makeNetworkConfig, MseObjective, Network, type NetworkConfigInput } from '../../../src/nn/index.js';
import { Rng } from '../../../src/util/rng.js';
import { SAMPLE_2D } from '../../helpers.js';
import { referenceKernels, sameBits } from '../helpers.js';

// 1500 rows of the zz2d sample, the target log-standardised (as examples/zz2d-best.json's target_transform).
const N = 1500;
const { x, y } = (() => {
  const lines = gunzipSync(readFileSync(SAMPLE_2D)).toString('utf8').split('\n');
  const header = lines[0].split(',');
  const [c1, c2, cy] = ['x1', 'x2', 'y'].map((c) => header.indexOf(c));
  const xs = new Float64Array(2 * N);
  const ys = new Float64Array(N);
  for (let i = 0; i < N; i++) {
    const f = lines[i + 1].split(',').map(Number);
    xs[2 * i] = f[c1];
    xs[2 * i + 1] = f[c2];
    ys[i] = Math.log(f[cy]);
  }
  let mean = 0;
  for (const v of ys) mean += v / N;
  let sd = 0;
  for (const v of ys) sd += (v - mean) ** 2 / N;
  sd = Math.sqrt(sd);
  return { x: xs, y: ys.map((v) => (v - mean) / sd) };
})();
const SHAPE: NetworkConfigInput = { type: 'dnn', inputDim: 2, depth: 3, width: 16, activation: { name: 'tanh', param: 0 } };
const always = async (): Promise<boolean> => true;

function trainMse(n: Network): number {
  const f = n.predict(x, N);
  let s = 0;
  for (let i = 0; i < N; i++) s += (f[i] - y[i]) ** 2;
  return s / N;
}

/** Adam from a fixed start: `steps` mini-batch steps of 100 rows, cooled exponentially. */
function adamNet(steps: number, from: Network | null = null, lr0 = 1e-2): Network {
  const n = new Network(makeNetworkConfig(SHAPE), referenceKernels);
  if (from === null) glorotUniform(n.plan, n.params, new Rng(3));
  else n.params.set(from.params);
  const obj = new MseObjective(n);
  const adam = new Adam(n.paramCount);
  for (let s = 0; s < steps; s++) {
    const r0 = (s * 100) % N;
    obj.lossAndGradient(x.subarray(2 * r0, 2 * (r0 + 100)), y.subarray(r0, r0 + 100), 100);
    adam.update(referenceKernels, n.params, n.grads, lr0 * 0.01 ** (s / steps));
  }
  return n;
}

test('Gauss–Newton–CG lowers the training MSE on zz2d well below where Adam got', async () => {
  const start = adamNet(3000);
  const mseStart = trainMse(start);
  const gn = new Network(makeNetworkConfig(SHAPE), referenceKernels);
  gn.params.set(start.params);
  const phase = new GaussNewtonCg(gn, x, y, undefined, { maxCgIterations: 20, cgTolerance: 1e-6 });
  for (let i = 0; i < 6; i++) {
    const it = await phase.iterate(always);
    assert.ok(it !== null);
    assert.ok(it.mseAfter <= it.mseBefore, 'an accepted step never raises the squared error');
    assert.ok(it.accepted && it.cgIterations === 20, JSON.stringify(it));
  }
  // Measured: 0.02170 → 0.01114. (Adam continued from the same start for the same row passes, 9000 steps, reached 0.0079: on this small problem the phase does not beat Adam per pass.)
  const mseGn = trainMse(gn);
  assert.ok(mseGn < mseStart / 1.8, `GN-CG ${mseGn} from ${mseStart}`);
});

test('an iteration stopped by keepGoing leaves parameters and state as they were, and a fresh object resumes bit for bit', async () => {
  const a = adamNet(300);
  const rows = 300;
  const [xs, ys] = [x.subarray(0, 2 * rows), y.subarray(0, rows)];
  const options = { maxCgIterations: 10, cgTolerance: 1e-6 };
  const phase = new GaussNewtonCg(a, xs, ys, undefined, options);
  await phase.iterate(always);
  const before = a.params.slice();
  const state = phase.state;
  let calls = 0;
  assert.equal(await phase.iterate(async () => ++calls < 3), null);
  assert.equal(sameBits(a.params, before), null);
  assert.deepEqual(phase.state, state);
  const b = adamNet(0);
  b.params.set(before);
  const resumed = new GaussNewtonCg(b, xs, ys, state, options);
  for (let i = 0; i < 2; i++) {
    await phase.iterate(always);
    await resumed.iterate(always);
  }
  assert.equal(sameBits(a.params, b.params), null);
  assert.deepEqual(resumed.state, phase.state);
  assert.equal(resumed.state.iterations, 3);
});

test('a network of 37 225 parameters, beyond Levenberg–Marquardt, grows μ until a step pays', async () => {
  const big = new Network(makeNetworkConfig({ type: 'dnn', inputDim: 2, depth: 8, width: 72 }), referenceKernels);
  assert.ok(big.paramCount > 12_000);
  glorotUniform(big.plan, big.params, new Rng(1));
  const rows = 64;
  const phase = new GaussNewtonCg(big, x.subarray(0, 2 * rows), y.subarray(0, rows), undefined, { maxCgIterations: 3, cgTolerance: 1e-4 });
  // Far from a minimum the first undamped-ish steps overshoot and are rejected (μ grows 8× each) until one is accepted.
  const its = [];
  for (let i = 0; i < 8; i++) {
    const it = await phase.iterate(always);
    assert.ok(it !== null);
    its.push(it);
  }
  // Measured: rejected up to μ ≈ 2e3, then accepted (0.831 → 0.798).
  assert.ok(its[7].accepted && its[7].mseAfter < its[0].mseBefore, JSON.stringify(its));
});
