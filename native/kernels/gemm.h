/* Serial, register-blocked matrix product on row-major doubles (the threaded
 * drivers in dispatch.c call it on disjoint row or batch ranges). */
#ifndef AMPFIT_GEMM_H
#define AMPFIT_GEMM_H

#include <stddef.h>

/* What happens to a C tile once its products are summed. Keeping the summation
 * a plain ascending loop over p, started from 0 (or from C for AF_INIT_C),
 * is what makes single-block results bit-identical to the TS reference. */
enum {
  AF_OP_RAW = 0,        /* C = acc */
  AF_OP_SCALE = 1,      /* C = alpha*acc (+ beta*C unless beta == 0; then C is not read) */
  AF_OP_ADD_SCALED = 2, /* C = C + alpha*acc */
  AF_OP_BIAS = 3        /* C = acc (+ bias[j]) (+ res[i][j]) */
};

typedef struct {
  int init_c; /* accumulators start from C instead of 0 (continues a sum) */
  int op;
  double alpha, beta;
  const double *bias; /* AF_OP_BIAS: n entries, or NULL */
  const double *res;  /* AF_OP_BIAS: m x n with row stride ldr, or NULL; may equal C */
  long ldr;
} af_epi;

/* Doubles of workspace af_gemm needs for these sizes. */
size_t af_gemm_work(long n, long k, int no_k_blocking);

/* C (m x n, row stride ldc) <- epilogue(op(A) * op(B)), op(A) m x k,
 * op(B) k x n. With K blocking, the epilogue is split so that the result
 * still equals one sequential sum (or, for SCALE with beta != 0, differs
 * only by rounding). no_k_blocking forces one K block (needed when res
 * aliases C). work: af_gemm_work doubles, 64-byte aligned. */
void af_gemm(int transA, int transB, long m, long n, long k, const double *a, long lda,
             const double *b, long ldb, double *c, long ldc, const af_epi *epi,
             int no_k_blocking, double *work);

/* Pieces for callers that reuse one packed B across many row blocks. */
void af_gemm_pack_b(int transB, const double *b, long ldb, long p0, long kc, long j0, long nc,
                    double *bp);
void af_gemm_packed(int transA, long m, long nc, long kc, const double *a, long lda,
                    const double *bp, double *c, long ldc, const af_epi *epi);

#define AF_KC 256
#define AF_NC 256

#endif
