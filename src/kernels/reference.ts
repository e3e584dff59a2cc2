// The pure-TypeScript Kernels (backend 'typescript'): plain float64 loops, the
// oracle the native addon is tested against, and the fallback when the addon
// is not built. Single-threaded; setThreads only validates its argument.

import { adamStep } from './adam.js';
import { checkAdam, checkDenseBackward, checkDenseForward, checkGemm, checkThreads } from './checks.js';
import { denseBackward, denseForward } from './dense.js';
import { gemm } from './gemm.js';
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
};
