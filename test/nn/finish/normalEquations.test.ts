import assert from 'node:assert/strict';
import { test } from 'node:test';

import { accumulateNormalEquations, allocateNormalEquations } from '../../../src/nn/finish/normalEquations.js';
import type { Network } from '../../../src/nn/index.js';
import { NATIVE_TEST, nativeKernels } from '../../kernels/support.js';
import { referenceKernels } from '../helpers.js';
import { always, finishProblem } from './fixture.js';

// 300 rows: two full blocks of 128 and a short one.
const N = 300;
const { x, y, net } = finishProblem(N);

/** J by central differences of predict(), column by column: J[i·P + k] = ∂f(x_i)/∂θ_k. */
function jacobianByDifferences(n: Network): Float64Array {
  const p = n.paramCount;
  const j = new Float64Array(N * p);
  const h = 1e-6;
  for (let k = 0; k < p; k++) {
    const keep = n.params[k];
    n.params[k] = keep + h;
    const up = n.predict(x, N).slice();
    n.params[k] = keep - h;
    const down = n.predict(x, N);
    n.params[k] = keep;
    for (let i = 0; i < N; i++) j[i * p + k] = (up[i] - down[i]) / (2 * h);
  }
  return j;
}

test('JᵀJ (lower triangle) and Jᵀr match finite-difference Jacobians', async () => {
  const n = net(referenceKernels);
  const p = n.paramCount;
  const ne = allocateNormalEquations(p);
  assert.equal(await accumulateNormalEquations(n, x, y, N, ne, always), true);
  const j = jacobianByDifferences(n);
  const f = n.predict(x, N);
  let sse = 0;
  for (let i = 0; i < N; i++) sse += (f[i] - y[i]) ** 2;
  assert.ok(Math.abs(ne.sse - sse) <= 1e-12 * sse, `sse ${ne.sse} vs ${sse}`);
  let scale = 0;
  for (let k = 0; k < p; k++) scale = Math.max(scale, ne.a[k * p + k]);
  for (let a = 0; a < p; a++) {
    let g = 0;
    for (let i = 0; i < N; i++) g += j[i * p + a] * (f[i] - y[i]);
    assert.ok(Math.abs(ne.g[a] - g) <= 1e-7 * (1 + Math.abs(g)), `g[${a}]: ${ne.g[a]} vs ${g}`);
    for (let b = 0; b <= a; b++) {
      let s = 0;
      for (let i = 0; i < N; i++) s += j[i * p + a] * j[i * p + b];
      assert.ok(Math.abs(ne.a[a * p + b] - s) <= 1e-7 * scale, `A[${a}][${b}]: ${ne.a[a * p + b]} vs ${s}`);
    }
  }
});

test('the native kernels give the reference normal equations to rounding', NATIVE_TEST, async () => {
  const r = net(referenceKernels);
  const nat = net(nativeKernels());
  const p = r.paramCount;
  const a = allocateNormalEquations(p);
  const b = allocateNormalEquations(p);
  await accumulateNormalEquations(r, x, y, N, a, always);
  await accumulateNormalEquations(nat, x, y, N, b, always);
  let scale = 0;
  for (let k = 0; k < p; k++) scale = Math.max(scale, a.a[k * p + k]);
  for (let i = 0; i < p; i++) {
    for (let k = 0; k <= i; k++) assert.ok(Math.abs(a.a[i * p + k] - b.a[i * p + k]) <= 1e-13 * scale, `A[${i}][${k}]`);
    assert.ok(Math.abs(a.g[i] - b.g[i]) <= 1e-12 * (1 + Math.abs(a.g[i])), `g[${i}]`);
  }
});

test('keepGoing = false abandons the accumulation', async () => {
  const n = net(referenceKernels);
  const ne = allocateNormalEquations(n.paramCount);
  let calls = 0;
  const done = await accumulateNormalEquations(n, x, y, N, ne, async () => ++calls < 2);
  assert.equal(done, false);
  assert.equal(calls, 2, 'checked after each block of rows');
});
