// Loads the Node-API addon (native/, built by scripts/build-native.mjs into
// build/Release/ampfit_native.node) and exposes it as Kernels with backend
// 'native'. The semantic checks of every kernel (src/kernels/checks.ts:
// aliasing, activations; treeChecks.ts: λ ≥ 0, histogram slots written once)
// run here, once, as for the TypeScript reference; the addon
// (native/binding.c) checks what memory safety needs, in the same words.
//
// Environment: AMPFIT_NATIVE=0 disables the addon; AMPFIT_THREADS=<n> sets the
// initial thread count (default: the CPUs this process may run on).

import { A, B, C, D, P, Q, SQRPI, THRESH } from './activations.js';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { checkAdam, checkDenseBackward, checkDenseForward, checkGemm, MAX_THREADS } from './checks.js';
import { mvOf } from './mv.js';
import { checkAngularHeadBackward, checkAngularHeadForward } from './angularHeadChecks.js';
import { checkKanExpand, checkKanExpandBackward } from './kanChecks.js';
import { checkRationalBackward, checkRationalForward } from './rationalChecks.js';
import {
  checkForestPredict, checkHistBuild, checkHistSubtract, checkLeafAdd, checkPartition, checkSplitFind, checkTreePredictBinned,
} from './treeChecks.js';
import type { BinMatrix, Kernels } from './types.js';

/** The addon's own ABI: the Kernels signatures, except that activations travel as (code, param). */
type SameAsKernels =
  | 'gemm' | 'adamStep' | 'rationalForward' | 'rationalBackward' | 'kanExpand' | 'kanExpandBackward' | 'histBuild'
  | 'histSubtract' | 'splitFind' | 'partition' | 'leafAdd' | 'forestPredict' | 'treePredictBinned' | 'threads' | 'setThreads';

interface NativeAddon extends Pick<Kernels, SameAsKernels> {
  denseForward(
    x: Float64Array, n: number, nIn: number, w: Float64Array, b: Float64Array | null, nOut: number,
    actCode: number, actParam: number, residual: Float64Array | null, z: Float64Array, y: Float64Array,
  ): void;
  denseBackward(
    x: Float64Array, n: number, nIn: number, w: Float64Array, nOut: number,
    actCode: number, actParam: number, z: Float64Array, y: Float64Array, dy: Float64Array,
    dz: Float64Array, dx: Float64Array | null, gw: Float64Array, gb: Float64Array | null,
    accumulate: boolean,
  ): void;
  angularHeadForward(
    decays: number, lMax: number, m: number, lAt: number, eAt: number, alpha: number, beta: number, n: number,
    angles: Float64Array, o: Float64Array, basis: Float64Array, z: Float64Array, v: Float64Array,
    p: Float64Array, qRaw: Float64Array, qMean: Float64Array,
  ): void;
  angularHeadBackward(
    decays: number, lMax: number, m: number, lAt: number, eAt: number, alpha: number, n: number, o: Float64Array,
    basis: Float64Array, z: Float64Array, v: Float64Array, ce: Float64Array, cRaw: Float64Array, cMean: Float64Array,
    dInner: Float64Array,
  ): void;
  info(): string;
  setErfcCoefficients(coefficients: Float64Array): void;
}

const ADDON_FUNCTIONS = [
  'gemm', 'denseForward', 'denseBackward', 'adamStep', 'rationalForward', 'rationalBackward', 'kanExpand',
  'kanExpandBackward', 'angularHeadForward', 'angularHeadBackward', 'histBuild', 'histSubtract', 'splitFind', 'partition',
  'leafAdd', 'forestPredict', 'treePredictBinned', 'threads', 'setThreads', 'info', 'setErfcCoefficients',
] as const;

function isAddon(v: unknown): v is NativeAddon {
  if (typeof v !== 'object' || v === null) return false;
  const rec = v as Record<string, unknown>;
  return ADDON_FUNCTIONS.every((name) => typeof rec[name] === 'function');
}

/**
 * The package root: the nearest ancestor with a package.json. Found by walking
 * up rather than by a fixed '../..' so this works both compiled
 * (dist/src/kernels/native.js) and from source.
 */
function packageRoot(): string | null {
  let dir = path.dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    const up = path.dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return null;
}

/** Where the addon is expected (whether or not it exists). */
export function nativeAddonPath(): string | null {
  const root = packageRoot();
  return root === null ? null : path.join(root, 'build', 'Release', 'ampfit_native.node');
}

function wrap(addon: NativeAddon): Kernels {
  const mv = mvOf(addon);
  return {
    backend: 'native',
    ...(mv === null ? {} : { mv }),
    threads: () => addon.threads(),
    setThreads: (n) => addon.setThreads(n),
    gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) {
      checkGemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
      addon.gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    },
    denseForward(x, n, nIn, w, b, nOut, act, residual, z, y) {
      const code = checkDenseForward(x, n, nIn, w, b, nOut, act, residual, z, y);
      addon.denseForward(x, n, nIn, w, b, nOut, code, act.param, residual, z, y);
    },
    denseBackward(x, n, nIn, w, nOut, act, z, y, dy, dz, dx, gw, gb, accumulate) {
      const code = checkDenseBackward(x, n, nIn, w, nOut, act, z, y, dy, dz, dx, gw, gb, accumulate);
      addon.denseBackward(x, n, nIn, w, nOut, code, act.param, z, y, dy, dz, dx, gw, gb, accumulate);
    },
    adamStep(p, g, m, v, lr, beta1, beta2, eps, step) {
      checkAdam(p, g, m, v, lr, beta1, beta2, eps, step);
      addon.adamStep(p, g, m, v, lr, beta1, beta2, eps, step);
    },
    rationalForward(x, n, width, groups, degP, degQ, coef, y) {
      checkRationalForward(x, n, width, groups, degP, degQ, coef, y);
      addon.rationalForward(x, n, width, groups, degP, degQ, coef, y);
    },
    rationalBackward(x, n, width, groups, degP, degQ, coef, dy, dx, gcoef) {
      checkRationalBackward(x, n, width, groups, degP, degQ, coef, dy, dx, gcoef);
      addon.rationalBackward(x, n, width, groups, degP, degQ, coef, dy, dx ?? null, gcoef);
    },
    kanExpand(x, n, nIn, grid, lo, hi, f) {
      checkKanExpand(x, n, nIn, grid, lo, hi, f);
      addon.kanExpand(x, n, nIn, grid, lo, hi, f);
    },
    kanExpandBackward(x, n, nIn, grid, lo, hi, df, dx) {
      checkKanExpandBackward(x, n, nIn, grid, lo, hi, df, dx);
      addon.kanExpandBackward(x, n, nIn, grid, lo, hi, df, dx);
    },
    angularHeadForward(s, n, angles, o, out) {
      checkAngularHeadForward(s, n, angles, o, out);
      addon.angularHeadForward(s.decays, s.lMax, s.m, s.lAt, s.eAt, s.alpha, s.beta, n, angles, o, out.basis, out.z, out.v, out.p, out.qRaw, out.qMean);
    },
    angularHeadBackward(s, n, o, fwd, c, dInner) {
      checkAngularHeadBackward(s, n, o, fwd, c, dInner);
      addon.angularHeadBackward(s.decays, s.lMax, s.m, s.lAt, s.eAt, s.alpha, n, o, fwd.basis, fwd.z, fwd.v, c.ce, c.cRaw, c.cMean, dInner);
    },
    histBuild(bins, d, binOffset, gpair, rows, begin, end, slot, hist) {
      checkHistBuild(bins, d, binOffset, gpair, rows, begin, end, slot, hist);
      addon.histBuild(bins, d, binOffset, gpair, rows, begin, end, slot, hist);
    },
    histSubtract(hist, nBins, dst, a, b) {
      checkHistSubtract(hist, nBins, dst, a, b);
      addon.histSubtract(hist, nBins, dst, a, b);
    },
    splitFind(hist, bins, d, binOffset, gpair, rows, slot, begin, end, sumG, sumH, features, lambda, minChildWeight, outFeature, outBin, outGain, outLeft) {
      checkSplitFind(hist, bins, d, binOffset, gpair, rows, slot, begin, end, sumG, sumH, features, lambda, minChildWeight, outFeature, outBin, outGain, outLeft);
      addon.splitFind(hist, bins, d, binOffset, gpair, rows, slot, begin, end, sumG, sumH, features, lambda, minChildWeight, outFeature, outBin, outGain, outLeft);
    },
    partition(columns, n, rows, begin, end, feature, bin, mid) {
      checkPartition(columns, n, rows, begin, end, feature, bin, mid);
      addon.partition(columns, n, rows, begin, end, feature, bin, mid);
    },
    leafAdd(rows, begin, end, value, pred) {
      checkLeafAdd(rows, begin, end, value, pred);
      addon.leafAdd(rows, begin, end, value, pred);
    },
    forestPredict(x, n, d, treeOffset, feature, threshold, left, value, base, out) {
      checkForestPredict(x, n, d, treeOffset, feature, threshold, left, value, base, out);
      addon.forestPredict(x, n, d, treeOffset, feature, threshold, left, value, base, out);
    },
    treePredictBinned(bins, d, feature, bin, left, value, out) {
      checkTreePredictBinned(bins, d, feature, bin, left, value, out);
      addon.treePredictBinned(bins, d, feature, bin, left, value, out);
    },
  };
}

interface LoadResult {
  readonly kernels: Kernels | null;
  readonly addon: NativeAddon | null;
  readonly error: string | null;
}

let loaded: LoadResult | undefined;

function applyThreadsEnv(addon: NativeAddon): void {
  const raw = process.env.AMPFIT_THREADS;
  if (raw === undefined || raw === '') return;
  const n = Number(raw);
  if (Number.isInteger(n) && n >= 1 && n <= MAX_THREADS) {
    addon.setThreads(n);
  } else {
    process.stderr.write(`ampfit: ignoring AMPFIT_THREADS=${raw} (expected an integer from 1 to ${MAX_THREADS})\n`);
  }
}

function load(): LoadResult {
  if (process.env.AMPFIT_NATIVE === '0') {
    return { kernels: null, addon: null, error: 'disabled by AMPFIT_NATIVE=0' };
  }
  const file = nativeAddonPath();
  if (file === null) return { kernels: null, addon: null, error: 'package root not found' };
  if (!existsSync(file)) {
    return { kernels: null, addon: null, error: `${file} not built (run: node scripts/build-native.mjs)` };
  }
  let mod: unknown;
  try {
    mod = createRequire(import.meta.url)(file);
  } catch (e) {
    return { kernels: null, addon: null, error: `cannot load ${file}: ${e instanceof Error ? e.message : String(e)}` };
  }
  if (!isAddon(mod)) return { kernels: null, addon: null, error: `${file} is not the ampfit addon` };
  applyThreadsEnv(mod);
  // Cody's erfc coefficients live in one place, activations.ts; the addon's vector erfc reads this copy.
  mod.setErfcCoefficients(Float64Array.from([...A, ...B, ...C, ...D, ...P, ...Q, SQRPI, THRESH]));
  return { kernels: wrap(mod), addon: mod, error: null };
}

function result(): LoadResult {
  loaded ??= load();
  return loaded;
}

/** The native Kernels, or null when the addon is absent, broken or disabled. */
export function loadNative(): Kernels | null {
  return result().kernels;
}

/** Why loadNative() returned null, or null if it did not. */
export function nativeLoadError(): string | null {
  return result().error;
}

/** Build description of the loaded addon (SIMD width, tile), or null. */
export function nativeInfo(): string | null {
  return result().addon?.info() ?? null;
}
