// The native addon against the reference, for every kernel and activation.
//
// Tolerances follow from how the two backends differ:
// - products: the native micro-kernel fuses each multiply-add (one rounding
//   per term instead of two) and splits batch reductions across threads, so
//   |diff| <= (2K + 4) * eps * sum|terms|, with sum|terms| computed as the
//   product of the absolute values;
// - activations differ by the elementary functions (native: own vectorised
//   exp/expm1/log1p/erfc), a few ulp: 1e-14 * |value| for y, plus the
//   activation's slope times z's error; 1e-14 * |dy| * (1 + |act'|) for dz
//   (act' can be a small difference of O(1) terms, e.g. gelu' = Phi + z*phi);
// - native runs are exact against each other: repeated calls, different
//   thread counts for row-parallel work, aliased versus separate buffers.
// Each test runs in well under a second or two.

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { derivative } from '../../src/kernels/activations.js';
import { reference as ref } from '../../src/kernels/reference.js';
import { ACTIVATIONS, activationCode, type Activation, type ActivationName, type Kernels } from '../../src/kernels/types.js';
import { Rng } from '../../src/util/rng.js';
import { abs, assertClose, assertSameBits, EPS, NATIVE_TEST, nativeKernels, normals, thrown, withThreads } from './support.js';

const PARAM: Record<ActivationName, number> = {
  linear: 0, relu: 0, leaky_relu: 0.3, elu: 1.3, softplus: 0, gelu: 0, silu: 0, tanh: 0,
};
const PIECEWISE_LINEAR = new Set<ActivationName>(['linear', 'relu', 'leaky_relu']);
const THREADS = [1, 2];

function act(name: ActivationName): Activation {
  return { name, param: PARAM[name] };
}

/** |alpha| * |op(A)|*|op(B)| + |beta| * |C0|: the scale of each gemm result's rounding error. */
function gemmMagnitude(
  ta: boolean, tb: boolean, m: number, n: number, k: number, alpha: number,
  a: Float64Array, lda: number, b: Float64Array, ldb: number, beta: number, c0: Float64Array, ldc: number,
): Float64Array {
  const mag = abs(c0);
  ref.gemm(ta, tb, m, n, k, Math.abs(alpha), abs(a), lda, abs(b), ldb, Math.abs(beta), mag, ldc);
  return mag;
}

test('native gemm matches the reference (all transposes, alpha/beta, strides, 1 and 2 threads)', NATIVE_TEST, () => {
  const nat = nativeKernels();
  const rng = new Rng('gemm');
  // m, k, n: vectors, edge tiles, widths 1/2/3/36/100/129, K > 256 (K blocks),
  // N > 256 (N blocks), long K with tiny m, n (split over K on 2 threads)
  const shapes = [
    [1, 1, 1], [1, 36, 36], [7, 3, 129], [36, 512, 36], [129, 100, 2], [512, 36, 36],
    [1000, 100, 36], [3, 300, 5], [40, 7, 300], [2, 3000, 3], [0, 5, 3], [4, 0, 3],
    [17, 13, 23], [64, 28, 56],
  ];
  const scalars = [[1, 0], [0.7, 1], [-1.3, 0.5]];
  for (const [m, k, n] of shapes) {
    for (const ta of [false, true]) {
      for (const tb of [false, true]) {
        for (const [alpha, beta] of scalars) {
          const pad = (m + k + n) % 3; // exercise leading dimensions > width
          const lda = (ta ? m : k) + pad;
          const ldb = (tb ? k : n) + pad;
          const ldc = n + pad;
          const a = normals(rng, Math.max(0, (ta ? k : m) * lda));
          const b = normals(rng, Math.max(0, (tb ? n : k) * ldb));
          const c0 = normals(rng, m * ldc);
          const want = c0.slice();
          ref.gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, want, ldc);
          const mag = gemmMagnitude(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c0, ldc);
          const tol = mag.map((v) => (2 * k + 4) * EPS * v);
          for (const t of THREADS) {
            const got = c0.slice();
            withThreads(nat, t, () => nat.gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, got, ldc));
            const what = `gemm ${m}x${k}x${n} ta=${ta} tb=${tb} alpha=${alpha} beta=${beta} threads=${t}`;
            assertClose(got, want, tol, what);
          }
        }
      }
    }
  }
});

test('native gemm with beta = 0 does not read C', NATIVE_TEST, () => {
  const nat = nativeKernels();
  const a = Float64Array.from([1, 2, 3, 4]);
  const c = new Float64Array(4).fill(NaN);
  nat.gemm(false, false, 2, 2, 2, 1, a, 2, a, 2, 0, c, 2);
  assert.deepEqual(Array.from(c), [7, 10, 15, 22]);
});

interface ForwardCase {
  readonly n: number;
  readonly nIn: number;
  readonly nOut: number;
}

// n = 1 (single point), 7 and 129 (row tails), 512 (training batch), 1000;
// widths 1, 2, 3, 36, 100, 129 (tails of 1..4 columns use 4-wide vectors on
// AVX-512, 5..7 masked 8-wide ones); nIn > 256 and nOut > 256 take the
// blocked paths.
const DENSE_SHAPES: ForwardCase[] = [
  { n: 1, nIn: 36, nOut: 36 }, { n: 7, nIn: 3, nOut: 129 }, { n: 512, nIn: 36, nOut: 36 },
  { n: 129, nIn: 1, nOut: 2 }, { n: 1000, nIn: 100, nOut: 100 }, { n: 512, nIn: 8, nOut: 100 },
  { n: 5, nIn: 300, nOut: 3 }, { n: 9, nIn: 4, nOut: 300 }, { n: 0, nIn: 4, nOut: 3 }, { n: 4, nIn: 0, nOut: 3 },
  // paper widths; 7 and 56 end in a partial and in a whole 8-wide vector
  { n: 64, nIn: 28, nOut: 56 }, { n: 33, nIn: 50, nOut: 7 },
];

/** All activations, except on the largest shape, where the TS reference is slow. */
function activationsFor(s: ForwardCase): readonly ActivationName[] {
  return s.n * s.nIn * s.nOut > 1e6 ? ['relu', 'gelu', 'silu'] : ACTIVATIONS;
}

/** Bound on |act'| over the reals (gelu' peaks at 1.13, silu' at 1.1). */
function slopeBound(name: ActivationName): number {
  return 1.2 * Math.max(1, Math.abs(PARAM[name]));
}

/** Error bounds for z and y of a dense forward pass against the reference. */
function forwardTolerances(
  s: ForwardCase, name: ActivationName, x: Float64Array, w: Float64Array, b: Float64Array | null,
  r: Float64Array | null, yRef: Float64Array,
): { z: Float64Array; y: Float64Array } {
  const mag = new Float64Array(s.n * s.nOut);
  for (let i = 0; i < s.n; i++) {
    for (let j = 0; j < s.nOut; j++) mag[i * s.nOut + j] = (b ? Math.abs(b[j]) : 0) + (r ? Math.abs(r[i * s.nOut + j]) : 0);
  }
  const ldIn = Math.max(1, s.nIn);
  const ldOut = Math.max(1, s.nOut);
  ref.gemm(false, false, s.n, s.nOut, s.nIn, 1, abs(x), ldIn, abs(w), ldOut, 1, mag, ldOut);
  const z = mag.map((m) => (2 * s.nIn + 6) * EPS * m);
  const exact = PIECEWISE_LINEAR.has(name);
  const y = z.map((t, i) => slopeBound(name) * t + (exact ? 0 : 1e-14 * Math.abs(yRef[i]) + 1e-300));
  return { z, y };
}

test('native denseForward matches the reference for every activation, with/without bias and residual', NATIVE_TEST, () => {
  const nat = nativeKernels();
  const rng = new Rng('forward');
  for (const s of DENSE_SHAPES) {
    const x = normals(rng, s.n * s.nIn);
    const w = normals(rng, s.nIn * s.nOut, 1 / Math.sqrt(Math.max(1, s.nIn)));
    const b = normals(rng, s.nOut, 0.5);
    const r = normals(rng, s.n * s.nOut);
    for (const name of activationsFor(s)) {
      for (const withBias of [true, false]) {
        for (const withRes of [false, true]) {
          const bias = withBias ? b : null;
          const res = withRes ? r : null;
          const zRef = new Float64Array(s.n * s.nOut);
          const yRef = new Float64Array(s.n * s.nOut);
          ref.denseForward(x, s.n, s.nIn, w, bias, s.nOut, act(name), res, zRef, yRef);
          for (const t of THREADS) {
            const z = new Float64Array(s.n * s.nOut);
            const y = new Float64Array(s.n * s.nOut);
            withThreads(nat, t, () => nat.denseForward(x, s.n, s.nIn, w, bias, s.nOut, act(name), res, z, y));
            const what = `denseForward ${s.n}x${s.nIn}x${s.nOut} ${name} bias=${withBias} residual=${withRes} threads=${t}`;
            const tol = forwardTolerances(s, name, x, w, bias, res, yRef);
            assertClose(z, zRef, tol.z, `${what} z`);
            assertClose(y, yRef, tol.y, `${what} y`);
          }
        }
      }
    }
  }
});

test('native activations at extreme pre-activations', NATIVE_TEST, () => {
  const nat = nativeKernels();
  const zs = Float64Array.from([-1e300, -800, -745, -40, -30, -26.6, -10, -4.01, -0.5, -1e-300, -0, 0, 1e-300, 0.46875, 3.99, 10, 30, 700, 800, 1e300]);
  const n = zs.length;
  const eye = Float64Array.from([1]);
  for (const name of ACTIVATIONS) {
    const want = new Float64Array(n);
    const got = new Float64Array(n);
    const zr = new Float64Array(n);
    const zn = new Float64Array(n);
    ref.denseForward(zs, n, 1, eye, null, 1, act(name), null, zr, want);
    nat.denseForward(zs, n, 1, eye, null, 1, act(name), null, zn, got);
    // subnormal results may differ in their last (few) significant bits
    assertClose(got, want, want.map((v) => 1e-14 * Math.abs(v) + 1e-305), `${name} forward`);
    const dy = new Float64Array(n).fill(1);
    const dRef = new Float64Array(n);
    const dNat = new Float64Array(n);
    const g = new Float64Array(1);
    ref.denseBackward(zs, n, 1, eye, 1, act(name), zr, want, dy, dRef, null, g, null, false);
    nat.denseBackward(zs, n, 1, eye, 1, act(name), zn, got, dy, dNat, null, g, null, false);
    assertClose(dNat, dRef, dRef.map((v) => 1e-14 * (1 + Math.abs(v)) + 1e-305), `${name} derivative`);
  }
});

interface BackwardVariant {
  readonly withDx: boolean;
  readonly withGb: boolean;
  readonly accumulate: boolean;
  readonly dzIsDy: boolean;
}

const BACKWARD_VARIANTS: BackwardVariant[] = [
  { withDx: true, withGb: true, accumulate: false, dzIsDy: false },
  { withDx: false, withGb: true, accumulate: true, dzIsDy: false },
  { withDx: true, withGb: false, accumulate: true, dzIsDy: true },
];

test('native denseBackward matches the reference (dx null, gb null, accumulate, dz === dy)', NATIVE_TEST, () => {
  const nat = nativeKernels();
  const rng = new Rng('backward');
  for (const s of DENSE_SHAPES) {
    const x = normals(rng, s.n * s.nIn);
    const w = normals(rng, s.nIn * s.nOut, 1 / Math.sqrt(Math.max(1, s.nIn)));
    const b = normals(rng, s.nOut, 0.5);
    const dyIn = normals(rng, s.n * s.nOut);
    const gw0 = normals(rng, s.nIn * s.nOut);
    const gb0 = normals(rng, s.nOut);
    for (const name of activationsFor(s)) {
      const z = new Float64Array(s.n * s.nOut);
      const y = new Float64Array(s.n * s.nOut);
      ref.denseForward(x, s.n, s.nIn, w, b, s.nOut, act(name), null, z, y);
      // scale of each dz element's error, and of the sums built from dz
      const code = activationCode(name);
      const dzMag = dyIn.map((v, i) => Math.abs(v) * (1 + Math.abs(derivative(code, PARAM[name], z[i]))));
      const dzTol = PIECEWISE_LINEAR.has(name) ? 0 : dzMag.map((v) => 1e-14 * v);
      for (const v of BACKWARD_VARIANTS) {
        const gwStart = v.accumulate ? gw0 : new Float64Array(gw0.length);
        const gbStart = v.accumulate ? gb0 : new Float64Array(gb0.length);
        const want = {
          dz: new Float64Array(s.n * s.nOut), dx: new Float64Array(s.n * s.nIn),
          gw: gwStart.slice(), gb: gbStart.slice(),
        };
        ref.denseBackward(x, s.n, s.nIn, w, s.nOut, act(name), z, y, dyIn, want.dz, v.withDx ? want.dx : null, want.gw, v.withGb ? want.gb : null, v.accumulate);
        const gwMag = abs(gwStart);
        const ldIn = Math.max(1, s.nIn);
        const ldOut = Math.max(1, s.nOut);
        ref.gemm(true, false, s.nIn, s.nOut, s.n, 1, abs(x), ldIn, dzMag, ldOut, 1, gwMag, ldOut);
        const dxMag = new Float64Array(s.n * s.nIn);
        ref.gemm(false, true, s.n, s.nIn, s.nOut, 1, dzMag, ldOut, abs(w), ldOut, 0, dxMag, ldIn);
        const gbMag = abs(gbStart);
        for (let i = 0; i < s.n; i++) for (let j = 0; j < s.nOut; j++) gbMag[j] += dzMag[i * s.nOut + j];
        const sumTol = (mag: Float64Array, terms: number) => mag.map((m) => ((2 * terms + 4) * EPS + 1e-14) * m);
        for (const t of THREADS) {
          const dy = dyIn.slice();
          const dz = v.dzIsDy ? dy : new Float64Array(s.n * s.nOut);
          const dx = v.withDx ? new Float64Array(s.n * s.nIn).fill(NaN) : null;
          const gw = gwStart.slice();
          const gb = v.withGb ? gbStart.slice() : null;
          withThreads(nat, t, () => nat.denseBackward(x, s.n, s.nIn, w, s.nOut, act(name), z, y, dy, dz, dx, gw, gb, v.accumulate));
          const what = `denseBackward ${s.n}x${s.nIn}x${s.nOut} ${name} ${JSON.stringify(v)} threads=${t}`;
          // exact derivatives (piecewise-linear) give exactly the reference's dz
          assertClose(dz, want.dz, dzTol, `${what} dz`);
          if (dx) assertClose(dx, want.dx, sumTol(dxMag, s.nOut), `${what} dx`);
          assertClose(gw, want.gw, sumTol(gwMag, s.n), `${what} gw`);
          if (gb) assertClose(gb, want.gb, sumTol(gbMag, s.n), `${what} gb`);
        }
      }
    }
  }
});

test('native denseForward allows residual === z, residual === y, and y === z for linear', NATIVE_TEST, () => {
  const nat = nativeKernels();
  const rng = new Rng('alias');
  const n = 100;
  const nIn = 36;
  const nOut = 36;
  const x = normals(rng, n * nIn);
  const w = normals(rng, nIn * nOut, 0.2);
  const b = normals(rng, nOut);
  const r = normals(rng, n * nOut);
  for (const t of THREADS) {
    withThreads(nat, t, () => {
      // the same call with separate buffers is the expected result, to the bit
      const zSep = new Float64Array(n * nOut);
      const ySep = new Float64Array(n * nOut);
      nat.denseForward(x, n, nIn, w, b, nOut, act('tanh'), r, zSep, ySep);
      const z1 = r.slice();
      const y1 = new Float64Array(n * nOut);
      nat.denseForward(x, n, nIn, w, b, nOut, act('tanh'), z1, z1, y1);
      assertSameBits(z1, zSep, 'residual === z: z');
      assertSameBits(y1, ySep, 'residual === z: y');
      const z2 = new Float64Array(n * nOut);
      const y2 = r.slice();
      nat.denseForward(x, n, nIn, w, b, nOut, act('tanh'), y2, z2, y2);
      assertSameBits(z2, zSep, 'residual === y: z');
      assertSameBits(y2, ySep, 'residual === y: y');
      const zl = new Float64Array(n * nOut);
      nat.denseForward(x, n, nIn, w, b, nOut, act('linear'), r, zl, new Float64Array(n * nOut));
      const zy = new Float64Array(n * nOut);
      nat.denseForward(x, n, nIn, w, b, nOut, act('linear'), r, zy, zy);
      assertSameBits(zy, zl, 'linear y === z');
      // and dz === dy gives what separate dy and dz give
      const dy = normals(rng, n * nOut);
      const sep = { dz: new Float64Array(n * nOut), gw: new Float64Array(nIn * nOut), gb: new Float64Array(nOut), dx: new Float64Array(n * nIn) };
      nat.denseBackward(x, n, nIn, w, nOut, act('tanh'), zSep, ySep, dy, sep.dz, sep.dx, sep.gw, sep.gb, false);
      const inPlace = { dz: dy.slice(), gw: new Float64Array(nIn * nOut), gb: new Float64Array(nOut), dx: new Float64Array(n * nIn) };
      nat.denseBackward(x, n, nIn, w, nOut, act('tanh'), zSep, ySep, inPlace.dz, inPlace.dz, inPlace.dx, inPlace.gw, inPlace.gb, false);
      for (const key of ['dz', 'dx', 'gw', 'gb'] as const) assertSameBits(inPlace[key], sep[key], `dz === dy: ${key}`);
    });
  }
});

test('native results are deterministic, and 1 vs 2 threads agree to rounding', NATIVE_TEST, () => {
  const nat = nativeKernels();
  const rng = new Rng('determinism');
  const n = 1000;
  const nIn = 36;
  const nOut = 100;
  const x = normals(rng, n * nIn);
  const w = normals(rng, nIn * nOut, 0.2);
  const b = normals(rng, nOut);
  const dy = normals(rng, n * nOut);
  const run = (t: number) =>
    withThreads(nat, t, () => {
      const z = new Float64Array(n * nOut);
      const y = new Float64Array(n * nOut);
      nat.denseForward(x, n, nIn, w, b, nOut, act('gelu'), null, z, y);
      const dz = new Float64Array(n * nOut);
      const dx = new Float64Array(n * nIn);
      const gw = new Float64Array(nIn * nOut).fill(0.5);
      const gb = new Float64Array(nOut).fill(-0.5);
      nat.denseBackward(x, n, nIn, w, nOut, act('gelu'), z, y, dy, dz, dx, gw, gb, true);
      // a long reduction with tiny output: the product is split over K
      const c = new Float64Array(6);
      nat.gemm(true, false, 2, 3, 20000, 1, normalsFixed(40000), 2, normalsFixed(60000), 3, 0, c, 3);
      return { y, dz, dx, gw, gb, c };
    });
  for (const t of THREADS) {
    const first = run(t);
    const second = run(t);
    for (const key of ['y', 'dz', 'dx', 'gw', 'gb', 'c'] as const) assertSameBits(second[key], first[key], `threads=${t} ${key} repeated`);
  }
  const one = run(1);
  const two = run(2);
  assertSameBits(two.y, one.y, 'forward is row-parallel: identical across thread counts');
  assertSameBits(two.dz, one.dz, 'dz identical across thread counts');
  assertSameBits(two.dx, one.dx, 'dx identical across thread counts');
  const rel = (a: Float64Array, e: Float64Array, what: string) =>
    assertClose(a, e, e.map((v) => 1e-12 * (1 + Math.abs(v))), what);
  rel(two.gw, one.gw, 'gw 1 vs 2 threads');
  rel(two.gb, one.gb, 'gb 1 vs 2 threads');
  rel(two.c, one.c, 'split-K gemm 1 vs 2 threads');
});

function normalsFixed(len: number): Float64Array {
  return normals(new Rng(len), len);
}

test('native adamStep is bit-identical to the reference (short and threaded long vectors)', NATIVE_TEST, () => {
  const nat = nativeKernels();
  const rng = new Rng('adam');
  for (const len of [1, 7, 1000, 100003]) {
    const p0 = normals(rng, len);
    const pr = p0.slice();
    const mr = new Float64Array(len);
    const vr = new Float64Array(len);
    const pn = p0.slice();
    const mn = new Float64Array(len);
    const vn = new Float64Array(len);
    for (let step = 1; step <= 3; step++) {
      const g = normals(rng, len, 0.1);
      ref.adamStep(pr, g, mr, vr, 1e-3, 0.9, 0.999, 1e-8, step);
      withThreads(nat, 2, () => nat.adamStep(pn, g, mn, vn, 1e-3, 0.9, 0.999, 1e-8, step));
    }
    assertSameBits(pn, pr, `adam p (${len})`);
    assertSameBits(mn, mr, `adam m (${len})`);
    assertSameBits(vn, vr, `adam v (${len})`);
  }
});

test('native n = 0 backward clears or keeps the gradients like the reference', NATIVE_TEST, () => {
  const nat = nativeKernels();
  const e = new Float64Array(0);
  for (const accumulate of [false, true]) {
    const gw = Float64Array.from([1, 2, 3, 4, 5, 6]);
    const gb = Float64Array.from([7, 8, 9]);
    const gwr = gw.slice();
    const gbr = gb.slice();
    nat.denseBackward(e, 0, 2, new Float64Array(6), 3, act('relu'), e, e, e, e, e, gw, gb, accumulate);
    ref.denseBackward(e, 0, 2, new Float64Array(6), 3, act('relu'), e, e, e, e, e, gwr, gbr, accumulate);
    assertSameBits(gw, gwr, `gw accumulate=${accumulate}`);
    assertSameBits(gb, gbr, `gb accumulate=${accumulate}`);
  }
});

/** Both backends must throw the same class of error with the same message. */
function sameError(nat: Kernels, call: (k: Kernels) => void, expect: RegExp | string): void {
  const er = thrown(() => call(ref));
  const en = thrown(() => call(nat));
  assert.equal(en.constructor, er.constructor, `error class: native ${en.constructor.name}, reference ${er.constructor.name}`);
  assert.equal(en.message, er.message);
  if (typeof expect === 'string') assert.equal(en.message, expect);
  else assert.match(en.message, expect);
}

test('native rejects bad arguments with the same errors as the reference', NATIVE_TEST, () => {
  const nat = nativeKernels();
  const f = (len: number) => new Float64Array(len);
  const relu = act('relu');
  sameError(nat, (k) => k.gemm(false, false, 2, 2, 3, 1, f(6), 3, f(5), 2, 0, f(4), 2),
    'ampfit kernels: gemm: b has length 5, needs at least 6 for a 3x2 matrix with leading dimension 2');
  sameError(nat, (k) => k.gemm(false, true, 2, 2, 3, 1, f(6), 2, f(6), 3, 0, f(4), 2), 'ampfit kernels: gemm: lda must be at least 3 (got 2)');
  sameError(nat, (k) => k.gemm(false, false, 2, 2, 1.5, 1, f(6), 3, f(6), 2, 0, f(4), 2), /k must be an integer in \[0, 2147483647\] \(got 1.5\)/);
  sameError(nat, (k) => k.gemm(false, false, 2, 2, 2, NaN, f(4), 2, f(4), 2, 0, f(4), 2), /alpha must be a finite number/);
  sameError(nat, (k) => k.gemm(false, false, 1, 1, 1, 1, new Float32Array(1) as unknown as Float64Array, 1, f(1), 1, 0, f(1), 1),
    'ampfit kernels: gemm: a must be a Float64Array');
  const shared = f(10);
  sameError(nat, (k) => k.gemm(false, false, 2, 2, 2, 1, shared.subarray(0, 4), 2, f(4), 2, 0, shared.subarray(3, 7), 2), 'ampfit kernels: gemm: c overlaps a');

  sameError(nat, (k) => k.denseForward(f(5), 2, 3, f(6), null, 2, relu, null, f(4), f(4)), 'ampfit kernels: denseForward: x has length 5, expected n*nIn = 6');
  sameError(nat, (k) => k.denseForward(f(6), 2, 3, f(6), f(3), 2, relu, null, f(4), f(4)), 'ampfit kernels: denseForward: b has length 3, expected nOut = 2');
  sameError(nat, (k) => k.denseForward(f(6), 2, 3, f(6), null, 2, relu, f(5), f(4), f(4)), /residual has length 5/);
  const z = f(4);
  sameError(nat, (k) => k.denseForward(f(6), 2, 3, f(6), null, 2, relu, null, z, z), 'ampfit kernels: denseForward: y may be the same array as z only when act is linear');
  const buf = f(12);
  sameError(nat, (k) => k.denseForward(buf.subarray(0, 6), 2, 3, f(6), null, 2, relu, null, buf.subarray(4, 8), f(4)), 'ampfit kernels: denseForward: z overlaps x');
  const zy = f(6);
  sameError(nat, (k) => k.denseForward(f(6), 2, 3, f(6), null, 2, relu, zy.subarray(1, 5), zy.subarray(0, 4), f(4)), 'ampfit kernels: denseForward: residual partially overlaps z');
  sameError(nat, (k) => k.denseForward(f(6), 2, 3, f(6), null, 2, { name: 'relu', param: Infinity }, null, f(4), f(4)), /act.param must be a finite number/);

  const bw = (k: Kernels, gw: Float64Array, dy: Float64Array, dz: Float64Array) =>
    k.denseBackward(f(6), 2, 3, f(6), 2, relu, f(4), f(4), dy, dz, f(6), gw, f(2), false);
  sameError(nat, (k) => bw(k, f(5), f(4), f(4)), 'ampfit kernels: denseBackward: gw has length 5, expected nIn*nOut = 6');
  const d = f(5);
  sameError(nat, (k) => bw(k, f(6), d.subarray(0, 4), d.subarray(1, 5)), 'ampfit kernels: denseBackward: dz partially overlaps dy');
  sameError(nat, (k) => k.denseBackward(f(6), 2, 3, f(6), 2, relu, f(4), f(4), f(4), f(4), f(6), f(6), f(2), 1 as unknown as boolean),
    'ampfit kernels: denseBackward: accumulate must be a boolean');

  sameError(nat, (k) => k.adamStep(f(3), f(3), f(2), f(3), 0.1, 0.9, 0.999, 1e-8, 1), 'ampfit kernels: adamStep: m has length 2, expected p.length = 3');
  sameError(nat, (k) => k.adamStep(f(3), f(3), f(3), f(3), 0.1, 0.9, 0.999, 1e-8, 0), /step must be an integer in \[1, 9007199254740992\] \(got 0\)/);
  const p = f(3);
  sameError(nat, (k) => k.adamStep(p, f(3), p, f(3), 0.1, 0.9, 0.999, 1e-8, 1), 'ampfit kernels: adamStep: m overlaps p');
  sameError(nat, (k) => k.setThreads(0), 'ampfit kernels: setThreads: n must be an integer in [1, 256] (got 0)');

  // a detached buffer reads as length 0: an error, not a crash
  const gone = f(6);
  structuredClone(gone.buffer, { transfer: [gone.buffer] });
  sameError(nat, (k) => k.denseForward(gone, 2, 3, f(6), null, 2, relu, null, f(4), f(4)), /x has length 0/);
});

test('native setThreads/threads round-trip', NATIVE_TEST, () => {
  const nat = nativeKernels();
  const before = nat.threads();
  assert.ok(before >= 1);
  nat.setThreads(3);
  assert.equal(nat.threads(), 3);
  nat.setThreads(before);
  assert.equal(nat.threads(), before);
});

test('native kernels give the same bits when several worker threads call them at once', NATIVE_TEST, async () => {
  const nat = nativeKernels();
  const { Worker } = await import('node:worker_threads');
  const rng = new Rng('workers');
  const n = 512;
  const nIn = 36;
  const nOut = 36;
  const x = normals(rng, n * nIn);
  const w = normals(rng, nIn * nOut, 0.2);
  const b = normals(rng, nOut);
  const dy = normals(rng, n * nOut);
  const run = (k: Kernels) => {
    const z = new Float64Array(n * nOut);
    const y = new Float64Array(n * nOut);
    k.denseForward(x, n, nIn, w, b, nOut, act('gelu'), null, z, y);
    const gw = new Float64Array(nIn * nOut);
    const dx = new Float64Array(n * nIn);
    k.denseBackward(x, n, nIn, w, nOut, act('gelu'), z, y, dy, new Float64Array(n * nOut), dx, gw, new Float64Array(nOut), false);
    return { y, gw, dx };
  };
  const expected = withThreads(nat, 2, () => run(nat));
  // Each worker repeats the same calls many times while the main thread does
  // too, so the pool and the scratch buffers are used concurrently.
  const code = `
    const { parentPort, workerData } = require('node:worker_threads');
    import(workerData.url).then(({ loadNative }) => {
      const k = loadNative();
      const { x, w, b, dy, n, nIn, nOut } = workerData;
      const act = { name: 'gelu', param: 0 };
      let out;
      for (let rep = 0; rep < 100; rep++) {
        const z = new Float64Array(n * nOut), y = new Float64Array(n * nOut);
        k.denseForward(x, n, nIn, w, b, nOut, act, null, z, y);
        const gw = new Float64Array(nIn * nOut), dx = new Float64Array(n * nIn);
        k.denseBackward(x, n, nIn, w, nOut, act, z, y, dy, new Float64Array(n * nOut), dx, gw, new Float64Array(nOut), false);
        out = { y, gw, dx };
      }
      parentPort.postMessage(out);
    });`;
  const url = new URL('../../src/kernels/native.js', import.meta.url).href;
  const before = nat.threads();
  nat.setThreads(2);
  let results: Array<{ y: Float64Array; gw: Float64Array; dx: Float64Array }>;
  try {
    const workers = [0, 1].map(() => new Worker(code, { eval: true, workerData: { url, x, w, b, dy, n, nIn, nOut } }));
    const done = workers.map(
      (wk) =>
        new Promise<{ y: Float64Array; gw: Float64Array; dx: Float64Array }>((resolve, reject) => {
          wk.once('message', resolve);
          wk.once('error', reject);
        }),
    );
    for (let rep = 0; rep < 50; rep++) run(nat);
    results = await Promise.all(done);
    await Promise.all(workers.map((wk) => wk.terminate()));
  } finally {
    nat.setThreads(before);
  }
  for (const [i, r] of results.entries()) {
    for (const key of ['y', 'gw', 'dx'] as const) assertSameBits(r[key], expected[key], `worker ${i} ${key}`);
  }
});
