/* Dense layer kernels. The forward fuses bias, residual and activation into
 * the product: the bias/residual are added in the GEMM epilogue while the tile
 * is in registers, and the activation runs on each slab of rows right after its
 * product, while the slab is still in L1. The backward fuses the activation
 * derivative with the bias-gradient column sums, then feeds the same slab of
 * dz (still in cache) to the weight-gradient and input-gradient products. */
#include "dense.h"

#include "activations.h"
#include "gemm.h"

/* Rows per forward slab: z for 32 rows of width <= 128 is <= 32 KiB. */
#define AF_FWD_SLAB 32
/* Rows per backward slab: one K block of the weight-gradient product. */
#define AF_BWD_SLAB AF_KC

size_t af_dense_forward_work(long nIn, long nOut) { return af_gemm_work(nOut, nIn, 1); }

size_t af_dense_backward_work(long nIn, long nOut) {
  size_t gw = af_gemm_work(nOut, AF_BWD_SLAB, 0);
  size_t dx = af_gemm_work(nIn, nOut, 0);
  return gw > dx ? gw : dx;
}

void af_dense_forward(const double *x, long n, long nIn, const double *w, const double *b,
                      long nOut, int act, double param, const double *res, double *z, double *y,
                      double *work) {
  if (n <= 0 || nOut <= 0) return;
  /* One K block always: with K blocking, partial sums would be stored into z
   * before the residual is read, which breaks res == z. */
  af_epi e = {0, AF_OP_BIAS, 1.0, 0.0, b, res, nOut};
  if (nOut <= AF_NC) {
    af_gemm_pack_b(0, w, nOut, 0, nIn, 0, nOut, work);
    for (long i = 0; i < n; i += AF_FWD_SLAB) {
      long rows = n - i < AF_FWD_SLAB ? n - i : AF_FWD_SLAB;
      af_epi es = e;
      es.res = res ? res + i * nOut : 0;
      af_gemm_packed(0, rows, nOut, nIn, x + i * nIn, nIn, work, z + i * nOut, nOut, &es);
      af_act_forward(act, param, z + i * nOut, y + i * nOut, rows * nOut);
    }
  } else {
    af_gemm(0, 0, n, nOut, nIn, x, nIn, w, nOut, z, nOut, &e, 1, work);
    af_act_forward(act, param, z, y, n * nOut);
  }
}

void af_dense_backward(const double *x, long n, long nIn, const double *w, long nOut, int act,
                       double param, const double *z, const double *dy, double *dz, double *dx,
                       double *gw_run, double *gb_run, double *work) {
  const af_epi cont = {1, AF_OP_RAW, 1.0, 0.0, 0, 0, 0};
  const af_epi plain = {0, AF_OP_SCALE, 1.0, 0.0, 0, 0, 0};
  for (long i = 0; i < n; i += AF_BWD_SLAB) {
    long rows = n - i < AF_BWD_SLAB ? n - i : AF_BWD_SLAB;
    double *dzs = dz + i * nOut;
    af_act_backward(act, param, z + i * nOut, dy + i * nOut, dzs, rows * nOut);
    if (gb_run) {
      for (long r = 0; r < rows; r++) {
        const double *row = dzs + r * nOut;
        for (long j = 0; j < nOut; j++) gb_run[j] = gb_run[j] + row[j];
      }
    }
    if (nIn > 0 && nOut > 0)
      af_gemm(1, 0, nIn, nOut, rows, x + i * nIn, nIn, dzs, nOut, gw_run, nOut, &cont, 0, work);
    if (dx && nIn > 0)
      af_gemm(0, 1, rows, nIn, nOut, dzs, nOut, w, nOut, dx + i * nIn, nIn, &plain, 0, work);
  }
}
