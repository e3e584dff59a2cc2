// The pure-TypeScript Kernels (backend 'typescript'): plain float64 loops, the
// oracle the native addon is tested against, and the fallback when the addon
// is not built. Single-threaded; setThreads only validates its argument.

import { adamStep } from './adam.js';
import { angularHeadBackward, angularHeadForward } from './angularHead.js';
import { checkAngularHeadBackward, checkAngularHeadForward } from './angularHeadChecks.js';
import { checkAdam, checkDenseBackward, checkDenseForward, checkGemm, checkThreads } from './checks.js';
import { denseBackward, denseForward } from './dense.js';
import { forestPredict, treePredictBinned } from './forest.js';
import { gemm } from './gemm.js';
import { histBuild, histSubtract } from './hist.js';
import { leafAdd, partition } from './partition.js';
import { splitFind } from './split.js';
import { rationalBackward, rationalForward } from './rational.js';
import { kanExpand, kanExpandBackward } from './kan.js';
import { checkKanExpand, checkKanExpandBackward } from './kanChecks.js';
import { checkRationalBackward, checkRationalForward } from './rationalChecks.js';
import {
  checkForestPredict, checkHistBuild, checkHistSubtract, checkLeafAdd, checkPartition, checkSplitFind, checkTreePredictBinned,
} from './treeChecks.js';
import type { Kernels } from './types.js';

export const reference: Kernels = {
  backend: 'typescript',

  threads: () => 1,

  setThreads(n) {
    checkThreads(n);
  },

  gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc) {
    checkGemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
    gemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  },

  denseForward(x, n, nIn, w, b, nOut, act, residual, z, y) {
    const code = checkDenseForward(x, n, nIn, w, b, nOut, act, residual, z, y);
    denseForward(x, n, nIn, w, b ?? null, nOut, code, act.param, residual ?? null, z, y);
  },

  denseBackward(x, n, nIn, w, nOut, act, z, y, dy, dz, dx, gw, gb, accumulate) {
    const code = checkDenseBackward(x, n, nIn, w, nOut, act, z, y, dy, dz, dx, gw, gb, accumulate);
    denseBackward(x, n, nIn, w, nOut, code, act.param, z, dy, dz, dx ?? null, gw, gb ?? null, accumulate);
  },

  adamStep(p, g, m, v, lr, beta1, beta2, eps, step) {
    checkAdam(p, g, m, v, lr, beta1, beta2, eps, step);
    adamStep(p, g, m, v, lr, beta1, beta2, eps, step);
  },

  rationalForward(x, n, width, groups, degP, degQ, coef, y) {
    checkRationalForward(x, n, width, groups, degP, degQ, coef, y);
    rationalForward(x, n, width, groups, degP, degQ, coef, y);
  },

  rationalBackward(x, n, width, groups, degP, degQ, coef, dy, dx, gcoef) {
    checkRationalBackward(x, n, width, groups, degP, degQ, coef, dy, dx, gcoef);
    rationalBackward(x, n, width, groups, degP, degQ, coef, dy, dx ?? null, gcoef);
  },

  kanExpand(x, n, nIn, grid, lo, hi, f) {
    checkKanExpand(x, n, nIn, grid, lo, hi, f);
    kanExpand(x, n, nIn, grid, lo, hi, f);
  },

  kanExpandBackward(x, n, nIn, grid, lo, hi, df, dx) {
    checkKanExpandBackward(x, n, nIn, grid, lo, hi, df, dx);
    kanExpandBackward(x, n, nIn, grid, lo, hi, df, dx);
  },

  angularHeadForward(s, n, angles, o, out) {
    checkAngularHeadForward(s, n, angles, o, out);
    angularHeadForward(s, n, angles, o, out);
  },

  angularHeadBackward(s, n, o, fwd, c, dInner) {
    checkAngularHeadBackward(s, n, o, fwd, c, dInner);
    angularHeadBackward(s, n, o, fwd, c, dInner);
  },

  histBuild(bins, d, binOffset, gpair, rows, begin, end, slot, hist) {
    checkHistBuild(bins, d, binOffset, gpair, rows, begin, end, slot, hist);
    histBuild(bins, d, binOffset, gpair, rows, begin, end, slot, hist);
  },

  histSubtract(hist, nBins, dst, a, b) {
    checkHistSubtract(hist, nBins, dst, a, b);
    histSubtract(hist, nBins, dst, a, b);
  },

  splitFind(hist, bins, d, binOffset, gpair, rows, slot, begin, end, sumG, sumH, features, lambda, minChildWeight, outFeature, outBin, outGain, outLeft) {
    checkSplitFind(hist, bins, d, binOffset, gpair, rows, slot, begin, end, sumG, sumH, features, lambda, minChildWeight, outFeature, outBin, outGain, outLeft);
    splitFind(hist, bins, d, binOffset, gpair, rows, slot, begin, end, sumG, sumH, features, lambda, minChildWeight, outFeature, outBin, outGain, outLeft);
  },

  partition(columns, n, rows, begin, end, feature, bin, mid) {
    checkPartition(columns, n, rows, begin, end, feature, bin, mid);
    partition(columns, n, rows, begin, end, feature, bin, mid);
  },

  leafAdd(rows, begin, end, value, pred) {
    checkLeafAdd(rows, begin, end, value, pred);
    leafAdd(rows, begin, end, value, pred);
  },

  forestPredict(x, n, d, treeOffset, feature, threshold, left, value, base, out) {
    checkForestPredict(x, n, d, treeOffset, feature, threshold, left, value, base, out);
    forestPredict(x, n, d, treeOffset, feature, threshold, left, value, base, out);
  },

  treePredictBinned(bins, d, feature, bin, left, value, out) {
    checkTreePredictBinned(bins, d, feature, bin, left, value, out);
    treePredictBinned(bins, d, feature, bin, left, value, out);
  },
};
