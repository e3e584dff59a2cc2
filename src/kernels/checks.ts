// Argument validation for the kernels. The reference runs these checks; the
// native addon runs the same checks in C (native/binding.c) with the same
// messages, so a bad call fails identically on both backends instead of
// silently computing garbage on one of them.

import { ACTIVATIONS, type Activation } from './types.js';

const PREFIX = 'ampfit kernels: ';
export const MAX_DIM = 2147483647;
export const MAX_THREADS = 256;

export function typeError(fn: string, msg: string): TypeError {
  return new TypeError(`${PREFIX}${fn}: ${msg}`);
}

export function rangeError(fn: string, msg: string): RangeError {
  return new RangeError(`${PREFIX}${fn}: ${msg}`);
}

function isFloat64Array(v: unknown): v is Float64Array {
  // The tag check also accepts arrays from other realms, like the C side,
  // which only looks at the typed-array kind; instanceof first answers the
  // usual case without building the tag string (every kernel call checks
  // several arrays, thousands of times a second in training).
  return v instanceof Float64Array || (ArrayBuffer.isView(v) && Object.prototype.toString.call(v) === '[object Float64Array]');
}

export function f64(fn: string, name: string, v: unknown): Float64Array {
  if (!isFloat64Array(v)) throw typeError(fn, `${name} must be a Float64Array`);
  return v;
}

export function f64OrNull(fn: string, name: string, v: unknown): Float64Array | null {
  if (v === null || v === undefined) return null;
  if (!isFloat64Array(v)) throw typeError(fn, `${name} must be a Float64Array or null`);
  return v;
}

function num(fn: string, name: string, v: unknown): number {
  if (typeof v !== 'number') throw typeError(fn, `${name} must be a number`);
  return v;
}

export function finite(fn: string, name: string, v: unknown): number {
  const x = num(fn, name, v);
  if (!Number.isFinite(x)) throw rangeError(fn, `${name} must be a finite number (got ${x})`);
  return x;
}

export function intIn(fn: string, name: string, v: unknown, lo: number, hi: number): number {
  const x = num(fn, name, v);
  if (!(x >= lo && x <= hi && Math.floor(x) === x)) {
    throw rangeError(fn, `${name} must be an integer in [${lo}, ${hi}] (got ${x})`);
  }
  return x;
}

export function dim(fn: string, name: string, v: unknown): number {
  return intIn(fn, name, v, 0, MAX_DIM);
}

export function bool(fn: string, name: string, v: unknown): boolean {
  if (typeof v !== 'boolean') throw typeError(fn, `${name} must be a boolean`);
  return v;
}

/** Validates an Activation and returns its integer code. */
export function activation(fn: string, act: unknown): number {
  if (typeof act !== 'object' || act === null) throw typeError(fn, 'act must be an object { name, param }');
  const { name, param } = act as Partial<Record<keyof Activation, unknown>>;
  const code = typeof name === 'string' ? (ACTIVATIONS as readonly string[]).indexOf(name) : -1;
  if (code < 0) throw rangeError(fn, `act.name must be one of ${ACTIVATIONS.join(', ')} (got ${String(name)})`);
  finite(fn, 'act.param', param);
  return code;
}

export function wantLen(fn: string, name: string, a: Float64Array | null, expected: number, expr: string): void {
  if (a !== null && a.length !== expected) {
    throw rangeError(fn, `${name} has length ${a.length}, expected ${expr} = ${expected}`);
  }
}

/** Leading dimension of a row-major matrix with `cols` columns. */
export function wantLd(fn: string, name: string, ld: number, cols: number): void {
  const need = Math.max(1, cols);
  if (ld < need) throw rangeError(fn, `${name} must be at least ${need} (got ${ld})`);
}

export function wantMatrix(fn: string, name: string, a: Float64Array, rows: number, cols: number, ld: number): void {
  const need = rows === 0 || cols === 0 ? 0 : (rows - 1) * ld + cols;
  if (a.length < need) {
    throw rangeError(
      fn,
      `${name} has length ${a.length}, needs at least ${need} for a ${rows}x${cols} matrix with leading dimension ${ld}`,
    );
  }
}

/** True when a and b share at least one element of memory. */
export function overlaps(a: Float64Array | null, b: Float64Array | null): boolean {
  if (a === null || b === null || a.length === 0 || b.length === 0 || a.buffer !== b.buffer) return false;
  const a0 = a.byteOffset;
  const b0 = b.byteOffset;
  return a0 < b0 + b.byteLength && b0 < a0 + a.byteLength;
}

/** True when a and b are views of exactly the same elements. */
export function same(a: Float64Array | null, b: Float64Array | null): boolean {
  return (
    a !== null && b !== null && a.length > 0 && a.buffer === b.buffer &&
    a.byteOffset === b.byteOffset && a.length === b.length
  );
}

/** `out` must not share memory with any of `others` (name, array). */
export function disjoint(fn: string, outName: string, out: Float64Array | null, others: ReadonlyArray<readonly [string, Float64Array | null]>): void {
  for (const [name, arr] of others) {
    if (overlaps(out, arr)) throw rangeError(fn, `${outName} overlaps ${name}`);
  }
}

// ---- per-kernel checks, in the same order as native/binding.c ----

export function checkGemm(
  transA: unknown, transB: unknown, m: unknown, n: unknown, k: unknown,
  alpha: unknown, a: unknown, lda: unknown, b: unknown, ldb: unknown,
  beta: unknown, c: unknown, ldc: unknown,
): void {
  const fn = 'gemm';
  const ta = bool(fn, 'transA', transA);
  const tb = bool(fn, 'transB', transB);
  const M = dim(fn, 'm', m);
  const N = dim(fn, 'n', n);
  const K = dim(fn, 'k', k);
  finite(fn, 'alpha', alpha);
  const A = f64(fn, 'a', a);
  const LDA = dim(fn, 'lda', lda);
  const B = f64(fn, 'b', b);
  const LDB = dim(fn, 'ldb', ldb);
  finite(fn, 'beta', beta);
  const C = f64(fn, 'c', c);
  const LDC = dim(fn, 'ldc', ldc);
  const [aRows, aCols] = ta ? [K, M] : [M, K];
  const [bRows, bCols] = tb ? [N, K] : [K, N];
  wantLd(fn, 'lda', LDA, aCols);
  wantLd(fn, 'ldb', LDB, bCols);
  wantLd(fn, 'ldc', LDC, N);
  wantMatrix(fn, 'a', A, aRows, aCols, LDA);
  wantMatrix(fn, 'b', B, bRows, bCols, LDB);
  wantMatrix(fn, 'c', C, M, N, LDC);
  disjoint(fn, 'c', C, [['a', A], ['b', B]]);
}

export function checkDenseForward(
  x: unknown, n: unknown, nIn: unknown, w: unknown, b: unknown, nOut: unknown,
  act: unknown, residual: unknown, z: unknown, y: unknown,
): number {
  const fn = 'denseForward';
  const X = f64(fn, 'x', x);
  const N = dim(fn, 'n', n);
  const NI = dim(fn, 'nIn', nIn);
  const W = f64(fn, 'w', w);
  const B = f64OrNull(fn, 'b', b);
  const NO = dim(fn, 'nOut', nOut);
  const code = activation(fn, act);
  const R = f64OrNull(fn, 'residual', residual);
  const Z = f64(fn, 'z', z);
  const Y = f64(fn, 'y', y);
  wantLen(fn, 'x', X, N * NI, 'n*nIn');
  wantLen(fn, 'w', W, NI * NO, 'nIn*nOut');
  wantLen(fn, 'b', B, NO, 'nOut');
  wantLen(fn, 'residual', R, N * NO, 'n*nOut');
  wantLen(fn, 'z', Z, N * NO, 'n*nOut');
  wantLen(fn, 'y', Y, N * NO, 'n*nOut');
  const inputs = [['x', X], ['w', W], ['b', B]] as const;
  disjoint(fn, 'z', Z, inputs);
  disjoint(fn, 'y', Y, inputs);
  if (same(Z, Y)) {
    if (code !== 0) throw rangeError(fn, 'y may be the same array as z only when act is linear');
  } else if (overlaps(Z, Y)) {
    throw rangeError(fn, 'y overlaps z');
  }
  if (overlaps(R, Z) && !same(R, Z)) throw rangeError(fn, 'residual partially overlaps z');
  if (overlaps(R, Y) && !same(R, Y)) throw rangeError(fn, 'residual partially overlaps y');
  return code;
}

export function checkDenseBackward(
  x: unknown, n: unknown, nIn: unknown, w: unknown, nOut: unknown, act: unknown,
  z: unknown, y: unknown, dy: unknown, dz: unknown, dx: unknown, gw: unknown, gb: unknown,
  accumulate: unknown,
): number {
  const fn = 'denseBackward';
  const X = f64(fn, 'x', x);
  const N = dim(fn, 'n', n);
  const NI = dim(fn, 'nIn', nIn);
  const W = f64(fn, 'w', w);
  const NO = dim(fn, 'nOut', nOut);
  const code = activation(fn, act);
  const Z = f64(fn, 'z', z);
  const Y = f64(fn, 'y', y);
  const DY = f64(fn, 'dy', dy);
  const DZ = f64(fn, 'dz', dz);
  const DX = f64OrNull(fn, 'dx', dx);
  const GW = f64(fn, 'gw', gw);
  const GB = f64OrNull(fn, 'gb', gb);
  bool(fn, 'accumulate', accumulate);
  wantLen(fn, 'x', X, N * NI, 'n*nIn');
  wantLen(fn, 'w', W, NI * NO, 'nIn*nOut');
  wantLen(fn, 'z', Z, N * NO, 'n*nOut');
  wantLen(fn, 'y', Y, N * NO, 'n*nOut');
  wantLen(fn, 'dy', DY, N * NO, 'n*nOut');
  wantLen(fn, 'dz', DZ, N * NO, 'n*nOut');
  wantLen(fn, 'dx', DX, N * NI, 'n*nIn');
  wantLen(fn, 'gw', GW, NI * NO, 'nIn*nOut');
  wantLen(fn, 'gb', GB, NO, 'nOut');
  if (overlaps(DZ, DY) && !same(DZ, DY)) throw rangeError(fn, 'dz partially overlaps dy');
  const all = [['x', X], ['w', W], ['z', Z], ['y', Y], ['dy', DY], ['dz', DZ], ['dx', DX], ['gw', GW]] as const;
  disjoint(fn, 'dz', DZ, all.slice(0, 4));
  disjoint(fn, 'dx', DX, all.slice(0, 6));
  disjoint(fn, 'gw', GW, all.slice(0, 7));
  disjoint(fn, 'gb', GB, all.slice(0, 8));
  return code;
}

export function checkAdam(
  p: unknown, g: unknown, m: unknown, v: unknown,
  lr: unknown, beta1: unknown, beta2: unknown, eps: unknown, step: unknown,
): void {
  const fn = 'adamStep';
  const P = f64(fn, 'p', p);
  const G = f64(fn, 'g', g);
  const M = f64(fn, 'm', m);
  const V = f64(fn, 'v', v);
  finite(fn, 'lr', lr);
  finite(fn, 'beta1', beta1);
  finite(fn, 'beta2', beta2);
  finite(fn, 'eps', eps);
  intIn(fn, 'step', step, 1, 2 ** 53);
  wantLen(fn, 'g', G, P.length, 'p.length');
  wantLen(fn, 'm', M, P.length, 'p.length');
  wantLen(fn, 'v', V, P.length, 'p.length');
  disjoint(fn, 'g', G, [['p', P]]);
  disjoint(fn, 'm', M, [['p', P], ['g', G]]);
  disjoint(fn, 'v', V, [['p', P], ['g', G], ['m', M]]);
}

export function checkThreads(n: unknown): number {
  return intIn('setThreads', 'n', n, 1, MAX_THREADS);
}
