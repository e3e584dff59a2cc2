// Reference matrix product (row-major, BLAS semantics). Each C element is
// accumulated as s = 0; s += a*b for p ascending, then alpha*s (+ beta*c). The
// native micro-kernel sums in the same order but fuses each multiply-add (one
// rounding instead of two), so the two agree to rounding.

export function gemm(
  transA: boolean, transB: boolean, m: number, n: number, k: number,
  alpha: number, a: Float64Array, lda: number, b: Float64Array, ldb: number,
  beta: number, c: Float64Array, ldc: number,
): void {
  const acc = new Float64Array(n);
  for (let i = 0; i < m; i++) {
    acc.fill(0);
    for (let p = 0; p < k; p++) {
      const aip = transA ? a[p * lda + i] : a[i * lda + p];
      if (transB) {
        for (let j = 0; j < n; j++) acc[j] += aip * b[j * ldb + p];
      } else {
        const row = p * ldb;
        for (let j = 0; j < n; j++) acc[j] += aip * b[row + j];
      }
    }
    const row = i * ldc;
    for (let j = 0; j < n; j++) {
      // beta = 0 must not read C (it may hold NaN).
      c[row + j] = beta === 0 ? alpha * acc[j] : alpha * acc[j] + beta * c[row + j];
    }
  }
}
