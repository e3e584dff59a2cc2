// The TypeScript reference kernels: known values, finite-difference checks of
// every derivative, and argument validation. The native tests then compare
// against this oracle.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { activate, derivative, erf, erfc } from '../../src/kernels/activations.js';
import { reference as ref } from '../../src/kernels/reference.js';
import { ACTIVATIONS, activationCode, type Activation, type ActivationName } from '../../src/kernels/types.js';
import { Rng } from '../../src/util/rng.js';
import { assertClose, EPS, normals, thrown } from './support.js';

// erf/erfc at 300-bit precision (mpmath), rounded to 20 digits.
const ERF_TABLE: ReadonlyArray<readonly [number, number, number]> = [
  [-6.0, -9.9999999999999997848e-1, 1.9999999999999999785],
  [-3.3, -9.9999694229020356183e-1, 1.9999969422902035618],
  [-1.0, -8.4270079294971486934e-1, 1.8427007929497148693],
  [-0.5, -5.2049987781304653768e-1, 1.5204998778130465377],
  [-0.1, -1.124629160182848984e-1, 1.1124629160182848984],
  [1e-9, 1.1283791670955126438e-9, 9.999999988716208329e-1],
  [0.3, 3.2862675945912741619e-1, 6.7137324054087258381e-1],
  [0.46875, 4.9261347321793799159e-1, 5.0738652678206200841e-1],
  [0.47, 4.9374505088608211241e-1, 5.0625494911391788759e-1],
  [0.9, 7.9690821242283213966e-1, 2.0309178757716786034e-1],
  [2.0, 9.9532226501895273416e-1, 4.6777349810472658379e-3],
  [3.99, 9.9999998326078863548e-1, 1.6739211364520814057e-8],
  [4.01, 9.9999998580306057863e-1, 1.4196939421371051173e-8],
  [5.5, 9.9999999999999264215e-1, 7.3578479179743980631e-15],
  [10.0, 1.0, 2.088487583762544757e-45],
  [26.0, 1.0, 5.6631924088561428465e-296],
];

test('erf and erfc match 300-bit values to 8 ulp (Cody rational approximations)', () => {
  for (const [x, erfX, erfcX] of ERF_TABLE) {
    assert.ok(Math.abs(erf(x) - erfX) <= 8 * EPS * Math.abs(erfX), `erf(${x}) = ${erf(x)}, expected ${erfX}`);
    assert.ok(Math.abs(erfc(x) - erfcX) <= 8 * EPS * Math.abs(erfcX), `erfc(${x}) = ${erfc(x)}, expected ${erfcX}`);
  }
  assert.equal(erfc(Infinity), 0);
  assert.equal(erfc(-Infinity), 2);
  assert.ok(Number.isNaN(erfc(NaN)));
  assert.equal(erfc(40), 0);
});

const PARAM: Record<ActivationName, number> = {
  linear: 0, relu: 0, leaky_relu: 0.3, elu: 1.3, softplus: 0, gelu: 0, silu: 0, tanh: 0,
};

test('activation values at known points and extreme arguments', () => {
  const f = (name: ActivationName, z: number) => activate(activationCode(name), PARAM[name], z);
  const close = (a: number, b: number, what: string) => assert.ok(Math.abs(a - b) <= 4 * EPS * Math.abs(b), `${what}: ${a} vs ${b}`);
  close(f('gelu', 1), 0.8413447460685429, 'gelu(1)');
  close(f('gelu', -1), -0.15865525393145707, 'gelu(-1)');
  close(f('softplus', 0), Math.LN2, 'softplus(0)');
  close(f('silu', 1), 1 / (1 + Math.exp(-1)), 'silu(1)');
  close(f('elu', -1), 1.3 * Math.expm1(-1), 'elu(-1)');
  assert.equal(f('leaky_relu', -2), -0.6);
  assert.equal(f('relu', -2), 0);
  // no overflow or NaN at large |z|
  assert.equal(f('softplus', 800), 800);
  assert.equal(f('softplus', -800), 0);
  assert.equal(f('silu', -800), -0);
  assert.equal(f('gelu', 40), 40);
  assert.ok(f('gelu', -30) < 0 && f('gelu', -30) > -1e-190);
  assert.ok(derivative(activationCode('tanh'), 0, 30) > 0);
  assert.ok(derivative(activationCode('softplus'), 0, -800) === 0);
  // NaN propagates through every activation
  for (const name of ACTIVATIONS) assert.ok(Number.isNaN(f(name, NaN)), `${name}(NaN)`);
});

test('activation derivatives agree with central differences', () => {
  const h = 1e-5;
  for (const name of ACTIVATIONS) {
    const code = activationCode(name);
    const p = PARAM[name];
    for (let z = -6.1; z < 6.2; z += 0.173) {
      if (Math.abs(z) < 2 * h) continue; // kinks of relu, leaky_relu, elu
      const fd = (activate(code, p, z + h) - activate(code, p, z - h)) / (2 * h);
      const d = derivative(code, p, z);
      // truncation h^2/6*f''' plus rounding eps*|f|/h, both far below 1e-8
      assert.ok(Math.abs(fd - d) <= 1e-8 * Math.max(1, Math.abs(d)), `${name}'(${z}) = ${d}, finite difference ${fd}`);
    }
  }
});

test('reference gemm: hand-computed product in all transpose combinations', () => {
  const A = [[1, 2, 3], [4, 5, 6]]; // 2x3
  const B = [[7, 8], [9, 10], [11, 12]]; // 3x2
  const AB = [[58, 64], [139, 154]];
  const rowMajor = (m: number[][]) => Float64Array.from(m.flat());
  const transpose = (m: number[][]) => m[0].map((_, j) => m.map((row) => row[j]));
  for (const ta of [false, true]) {
    for (const tb of [false, true]) {
      const a = rowMajor(ta ? transpose(A) : A);
      const b = rowMajor(tb ? transpose(B) : B);
      const c = new Float64Array(4).fill(1);
      ref.gemm(ta, tb, 2, 2, 3, 2, a, ta ? 2 : 3, b, tb ? 3 : 2, -1, c, 2);
      assert.deepEqual(Array.from(c), AB.flat().map((v) => 2 * v - 1), `transA=${ta} transB=${tb}`);
      c.fill(NaN); // beta = 0: C is not read
      ref.gemm(ta, tb, 2, 2, 3, 1, a, ta ? 2 : 3, b, tb ? 3 : 2, 0, c, 2);
      assert.deepEqual(Array.from(c), AB.flat());
    }
  }
  // leading dimensions larger than the matrix: a 2x2 block inside 3-wide rows
  const a = Float64Array.from([1, 2, 99, 3, 4, 99]);
  const b = Float64Array.from([5, 6, 99, 7, 8, 99]);
  const c = Float64Array.from([0, 0, -5, 0, 0, -5]);
  ref.gemm(false, false, 2, 2, 2, 1, a, 3, b, 3, 0, c, 3);
  assert.deepEqual(Array.from(c), [19, 22, -5, 43, 50, -5]);
});

test('reference denseForward: small example with bias, residual and activation', () => {
  const x = Float64Array.from([1, 2]); // n=1, nIn=2
  const w = Float64Array.from([1, -1, 0.5, 2]); // 2x2
  const b = Float64Array.from([0.25, -3]);
  const r = Float64Array.from([1, 0.5]);
  const z = new Float64Array(2);
  const y = new Float64Array(2);
  ref.denseForward(x, 1, 2, w, b, 2, { name: 'relu', param: 0 }, r, z, y);
  assert.deepEqual(Array.from(z), [1 + 1 + 0.25 + 1, -1 + 4 - 3 + 0.5]);
  assert.deepEqual(Array.from(y), [3.25, 0.5]);
});

test('reference denseBackward agrees with central differences of a scalar loss', () => {
  const rng = new Rng('dense-fd');
  const n = 3;
  const nIn = 4;
  const nOut = 5;
  for (const name of ACTIVATIONS) {
    const act: Activation = { name, param: PARAM[name] };
    const x = normals(rng, n * nIn);
    const w = normals(rng, nIn * nOut, 0.7);
    const b = normals(rng, nOut, 0.3);
    const c = normals(rng, n * nOut); // L = sum(c * y), so dL/dy = c
    const loss = (xx: Float64Array, ww: Float64Array, bb: Float64Array): number => {
      const z = new Float64Array(n * nOut);
      const y = new Float64Array(n * nOut);
      ref.denseForward(xx, n, nIn, ww, bb, nOut, act, null, z, y);
      return y.reduce((s, v, i) => s + v * c[i], 0);
    };
    const z = new Float64Array(n * nOut);
    const y = new Float64Array(n * nOut);
    ref.denseForward(x, n, nIn, w, b, nOut, act, null, z, y);
    const dz = new Float64Array(n * nOut);
    const dx = new Float64Array(n * nIn);
    const gw = new Float64Array(nIn * nOut);
    const gb = new Float64Array(nOut);
    ref.denseBackward(x, n, nIn, w, nOut, act, z, y, c, dz, dx, gw, gb, false);
    const h = 1e-6;
    const check = (arr: Float64Array, grad: Float64Array, what: string) => {
      for (let i = 0; i < arr.length; i++) {
        const keep = arr[i];
        arr[i] = keep + h;
        const up = loss(x, w, b);
        arr[i] = keep - h;
        const down = loss(x, w, b);
        arr[i] = keep;
        const fd = (up - down) / (2 * h);
        assert.ok(Math.abs(fd - grad[i]) <= 1e-6 * Math.max(1, Math.abs(grad[i])), `${name} ${what}[${i}] = ${grad[i]}, finite difference ${fd}`);
      }
    };
    check(w, gw, 'gw');
    check(b, gb, 'gb');
    check(x, dx, 'dx');
  }
});

test('reference denseBackward accumulates gw and gb when asked', () => {
  const rng = new Rng('acc');
  const x = normals(rng, 6);
  const w = normals(rng, 6);
  const z = normals(rng, 9);
  const dy = normals(rng, 9);
  const act: Activation = { name: 'tanh', param: 0 };
  const fresh = [new Float64Array(6), new Float64Array(3)];
  ref.denseBackward(x, 3, 2, w, 3, act, z, z.map(Math.tanh), dy, new Float64Array(9), null, fresh[0], fresh[1], false);
  const gw = Float64Array.from([1, 2, 3, 4, 5, 6]);
  const gb = Float64Array.from([-1, 0, 1]);
  ref.denseBackward(x, 3, 2, w, 3, act, z, z.map(Math.tanh), dy, new Float64Array(9), null, gw, gb, true);
  assertClose(gw, fresh[0].map((v, i) => v + [1, 2, 3, 4, 5, 6][i]), 0, 'gw');
  assertClose(gb, fresh[1].map((v, i) => v + [-1, 0, 1][i]), 0, 'gb');
});

test('reference adamStep: first step moves each parameter by about lr against its gradient', () => {
  const p = Float64Array.from([1, -2, 0.5]);
  const g = Float64Array.from([0.1, -3, 1e-3]);
  const m = new Float64Array(3);
  const v = new Float64Array(3);
  ref.adamStep(p, g, m, v, 0.01, 0.9, 0.999, 1e-8, 1);
  // m^ = g and v^ = g^2 after bias correction, so the step is lr*g/(|g|+eps)
  assertClose(p, Float64Array.from([1 - 0.01, -2 + 0.01, 0.5 - 0.01]), 1e-7, 'p');
  assertClose(m, Float64Array.from([0.01, -0.3, 1e-4]), 1e-16, 'm'); // (1 - 0.9) is inexact
});

test('reference rejects bad arguments with clear errors', () => {
  const a = new Float64Array(6);
  let e = thrown(() => ref.gemm(false, false, 2, 2, 3, 1, a, 3, new Float64Array(5), 2, 0, new Float64Array(4), 2));
  assert.ok(e instanceof RangeError);
  assert.equal(e.message, 'ampfit kernels: gemm: b has length 5, needs at least 6 for a 3x2 matrix with leading dimension 2');
  const z = new Float64Array(4);
  e = thrown(() => ref.denseForward(new Float64Array(5), 2, 3, new Float64Array(6), null, 2, { name: 'relu', param: 0 }, null, z, new Float64Array(4)));
  assert.equal(e.message, 'ampfit kernels: denseForward: x has length 5, expected n*nIn = 6');
  e = thrown(() => ref.denseForward(new Float64Array(6), 2, 3, new Float64Array(6), null, 2, { name: 'relu', param: 0 }, null, z, z));
  assert.equal(e.message, 'ampfit kernels: denseForward: y may be the same array as z only when act is linear');
  e = thrown(() => ref.denseForward(new Float64Array(6), 2, 3, new Float64Array(6), null, 2, { name: 'swish' as ActivationName, param: 0 }, null, z, z));
  assert.ok(e instanceof RangeError && e.message.includes('act.name must be one of'));
  e = thrown(() => ref.adamStep(a, a.slice(), a.slice(), a.slice(), 0.1, 0.9, 0.999, 1e-8, 0));
  assert.equal(e.message, 'ampfit kernels: adamStep: step must be an integer in [1, 9007199254740992] (got 0)');
  e = thrown(() => ref.gemm(false, false, 1, 1, 1, 1, new Float32Array(1) as unknown as Float64Array, 1, a, 1, 0, a.subarray(1), 1));
  assert.ok(e instanceof TypeError);
  assert.equal(e.message, 'ampfit kernels: gemm: a must be a Float64Array');
});
