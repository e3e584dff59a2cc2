import assert from 'node:assert/strict';
import { test } from 'node:test';

import { JacobianProducts } from '../../../src/nn/finish/jacobianProducts.js';
import { accumulateNormalEquations, allocateNormalEquations } from '../../../src/nn/finish/normalEquations.js';
import { Rng } from '../../../src/util/rng.js';
import { NATIVE_TEST, nativeKernels } from '../../kernels/support.js';
import { referenceKernels } from '../helpers.js';
import { always, finishProblem } from './fixture.js';

// 2100 rows: one full chunk of 2048 and a short one.
const N = 2100;
const { x, y, net } = finishProblem(N);

function randomVector(rng: Rng, length: number): Float64Array {
  const v = new Float64Array(length);
  for (let i = 0; i < length; i++) v[i] = rng.normal();
  return v;
}

function relativeError(a: Float64Array, b: Float64Array): number {
  let num = 0;
  let den = 0;
  for (let i = 0; i < a.length; i++) {
    num += (a[i] - b[i]) ** 2;
    den += b[i] ** 2;
  }
  return Math.sqrt(num / den);
}

for (const [name, kernels, options] of [['reference', () => referenceKernels, {}], ['native', nativeKernels, NATIVE_TEST]] as const) {
  test(`${name}: JᵀJv matrix-free equals the explicit JᵀJ of normalEquations to 1e-10`, options, async () => {
    const n = net(kernels());
    const p = n.paramCount;
    const ne = allocateNormalEquations(p);
    assert.ok(await accumulateNormalEquations(n, x, y, N, ne, always));
    const jp = new JacobianProducts(n, x, N);
    const before = n.params.slice();
    const rng = new Rng(3);
    let worst = 0;
    for (let trial = 0; trial < 3; trial++) {
      const v = randomVector(rng, p);
      const explicit = new Float64Array(p);
      // ne.a holds the lower triangle (j ≤ i); the upper comes from symmetry.
      for (let i = 0; i < p; i++) {
        let s = 0;
        for (let j = 0; j < p; j++) s += (j <= i ? ne.a[i * p + j] : ne.a[j * p + i]) * v[j];
        explicit[i] = s;
      }
      const out = new Float64Array(p);
      jp.gaussNewtonTimes(v, out, new Float64Array(N));
      worst = Math.max(worst, relativeError(out, explicit));
    }
    assert.ok(worst < 1e-10, `relative error ${worst}`);
    assert.deepEqual(n.params, before, 'the difference puts the parameters back exactly');
  });
}

test('Jᵀu equals finite differences of uᵀf(θ), and with y it is the gradient Jᵀr with Σr²', () => {
  const n = net(referenceKernels);
  const p = n.paramCount;
  const jp = new JacobianProducts(n, x, N);
  const u = randomVector(new Rng(5), N);
  const out = new Float64Array(p);
  assert.equal(jp.transposeTimes(u, out), 0);
  const h = 1e-6;
  const pred = new Float64Array(N);
  const uf = (): number => {
    const f = n.predict(x, N, pred);
    let s = 0;
    for (let i = 0; i < N; i++) s += u[i] * f[i];
    return s;
  };
  let worst = 0;
  let scale = 0;
  for (let kk = 0; kk < p; kk++) {
    const keep = n.params[kk];
    n.params[kk] = keep + h;
    const up = uf();
    n.params[kk] = keep - h;
    const down = uf();
    n.params[kk] = keep;
    worst = Math.max(worst, Math.abs((up - down) / (2 * h) - out[kk]));
    scale = Math.max(scale, Math.abs(out[kk]));
  }
  assert.ok(worst < 1e-7 * scale, `|Jᵀu − FD| ${worst} against max |Jᵀu| ${scale}`);

  const r = new Float64Array(N);
  const g = new Float64Array(p);
  const sse = jp.transposeTimes(r, g, y);
  const f = n.predict(x, N);
  let want = 0;
  for (let i = 0; i < N; i++) {
    assert.equal(r[i], f[i] - y[i]);
    want += r[i] * r[i];
  }
  assert.ok(Math.abs(sse - want) < 1e-12 * want);
  const gr = new Float64Array(p);
  jp.transposeTimes(r, gr);
  assert.deepEqual(g, gr, 'Jᵀr is Jᵀu with u = r');
});
