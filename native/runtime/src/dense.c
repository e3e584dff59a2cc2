/* The dense layer: y = act(x W + b + res) over a block of rows, register
 * blocked. At load W is packed into panels of NR columns (zero padded), each
 * panel contiguous over the inputs, so the kernel streams it; a tile of up
 * to 4 rows x 12 columns of sums lives in registers for the whole input loop.
 * Every sum is still acc = 0; acc = acc + x_i * w_ij for i ascending, then
 * + b_j, then + res_j: the rounding of src/export/c and of the loop this
 * replaces (no FMA: built with -ffp-contract=off, and the AVX2 copy enables
 * no FMA either). The AVX2 copy is chosen at load where the CPU has it, so
 * the library itself stays built for the baseline ISA (-DAMPFIT_BASELINE_ONLY
 * leaves the AVX2 copy out: for checking that both give the same bits). */
#define _POSIX_C_SOURCE 200809L
#include <stdlib.h>
#include <string.h>
#include "internal.h"

#define NR 12 /* columns per panel: 3 vectors of 4 */

typedef double v4 __attribute__((vector_size(32)));
typedef double v4u __attribute__((vector_size(32), aligned(8), may_alias));
typedef long long m4 __attribute__((vector_size(32)));

#define INLINE static inline __attribute__((always_inline))

/* Macros, not functions: a function returning a 32-byte vector has a different ABI with and without AVX. */
#define ld(p) (*(const v4u *)(const void *)(p))
#define st(p, v) (*(v4u *)(void *)(p) = (v))

int amp_dense_in_register(int act) { return act == ACT_LINEAR || act == ACT_RELU || act == ACT_LEAKY; }

int amp_dense_pack(amp_op *op) {
  const size_t np = (op->n_out + NR - 1) / NR, k = op->n_in;
  size_t p, i, j;
  void *w = NULL, *b = NULL;
  if (posix_memalign(&w, 64, (np * k * NR + 1) * sizeof(double)) != 0) return AMPFIT_ERR_MEMORY;
  if (posix_memalign(&b, 64, np * NR * sizeof(double)) != 0) { free(w); return AMPFIT_ERR_MEMORY; }
  op->wp = w;
  op->bp = b;
  memset(op->wp, 0, np * k * NR * sizeof(double));
  memset(op->bp, 0, np * NR * sizeof(double));
  for (p = 0; p < np; p++) {
    for (i = 0; i < k; i++) {
      for (j = 0; j < NR && p * NR + j < op->n_out; j++) op->wp[(p * k + i) * NR + j] = op->w[i * op->n_out + p * NR + j];
    }
  }
  if (op->b != NULL) memcpy(op->bp, op->b, op->n_out * sizeof(double));
#if defined(__x86_64__) && defined(__GNUC__) && !defined(AMPFIT_BASELINE_ONLY)
  __builtin_cpu_init();
  op->simd = __builtin_cpu_supports("avx2");
#endif
  return AMPFIT_OK;
}

void amp_dense_free(amp_op *op) {
  free(op->wp);
  free(op->bp);
  op->wp = op->bp = NULL;
}

/* MR rows x NP panels of sums from columns c0 on; ncols of them are valid. */
INLINE void tile(const int MR, const int NP, size_t k, const double *x, size_t ldx, const double *wp, const double *bias, const double *res,
                 size_t n_out, double *y, size_t c0, size_t ncols, int act, double param) {
  v4 acc[4][3 * 3];
  const v4 zero = {0.0, 0.0, 0.0, 0.0};
  size_t i;
  int r, u;
  for (r = 0; r < MR; r++) for (u = 0; u < 3 * NP; u++) acc[r][u] = zero;
  for (i = 0; i < k; i++) {
    v4 w[3 * 3];
    for (u = 0; u < 3 * NP; u++) w[u] = ld(wp + ((size_t)(u / 3) * k + i) * NR + (u % 3) * 4);
    for (r = 0; r < MR; r++) {
      const double s = x[r * ldx + i];
      const v4 xs = {s, s, s, s};
      for (u = 0; u < 3 * NP; u++) acc[r][u] = acc[r][u] + xs * w[u];
    }
  }
  for (r = 0; r < MR; r++) {
    double *yr = y + r * n_out + c0;
    const double *rr = res == NULL ? NULL : res + r * n_out + c0;
    for (u = 0; u < 3 * NP; u++) {
      const size_t at = (size_t)u * 4;
      const int full = at + 4 <= ncols;
      double tmp[4];
      v4 v = acc[r][u];
      if (at >= ncols) break;
      if (bias != NULL) v = v + ld(bias + c0 + at);
      if (rr != NULL) {
        if (full) v = v + ld(rr + at);
        else {
          size_t c;
          for (c = 0; c < 4; c++) tmp[c] = at + c < ncols ? rr[at + c] : 0.0;
          v = v + ld(tmp);
        }
      }
      if (act == ACT_RELU) {
        v = (v4)((m4)v & ~(m4)(v < zero));
      } else if (act == ACT_LEAKY) {
        const v4 pv = {param, param, param, param};
        const m4 pos = (m4)(v > zero);
        v = (v4)(((m4)v & pos) | ((m4)(pv * v) & ~pos));
      }
      if (full) st(yr + at, v);
      else {
        size_t c;
        st(tmp, v);
        for (c = 0; at + c < ncols; c++) yr[at + c] = tmp[c];
      }
    }
  }
}

/* The row and panel loops, with the tile shapes that fit 16 vector registers. */
#define DENSE_BODY                                                                                                                        \
  {                                                                                                                                       \
    const size_t np = (op->n_out + NR - 1) / NR, k = op->n_in, n_out = op->n_out;                                                         \
    const double *bias = op->b != NULL ? op->bp : NULL;                                                                                   \
    const double param = op->fused_param;                                                                                                 \
    size_t r0, p;                                                                                                                         \
    for (r0 = 0; r0 < nb;) {                                                                                                              \
      const size_t mr = nb - r0 >= 4 ? 4 : nb - r0;                                                                                       \
      const double *xr = x + r0 * ldx, *rr = res == NULL ? NULL : res + r0 * n_out;                                                       \
      double *yr = y + r0 * n_out;                                                                                                        \
      for (p = 0; p < np;) {                                                                                                              \
        const size_t left = np - p, c0 = p * NR;                                                                                          \
        const double *wp = op->wp + p * k * NR;                                                                                           \
        const size_t take = mr == 1 ? (left >= 3 ? 3 : left) : (mr == 2 && left >= 2 ? 2 : 1);                                           \
        const size_t nc = n_out - c0 < take * NR ? n_out - c0 : take * NR;                                                                \
        switch (mr * 4 + take) {                                                                                                          \
          case 4 * 4 + 1: tile(4, 1, k, xr, ldx, wp, bias, rr, n_out, yr, c0, nc, act, param); break;                                    \
          case 3 * 4 + 1: tile(3, 1, k, xr, ldx, wp, bias, rr, n_out, yr, c0, nc, act, param); break;                                    \
          case 2 * 4 + 2: tile(2, 2, k, xr, ldx, wp, bias, rr, n_out, yr, c0, nc, act, param); break;                                    \
          case 2 * 4 + 1: tile(2, 1, k, xr, ldx, wp, bias, rr, n_out, yr, c0, nc, act, param); break;                                    \
          case 1 * 4 + 3: tile(1, 3, k, xr, ldx, wp, bias, rr, n_out, yr, c0, nc, act, param); break;                                    \
          case 1 * 4 + 2: tile(1, 2, k, xr, ldx, wp, bias, rr, n_out, yr, c0, nc, act, param); break;                                    \
          default: tile(1, 1, k, xr, ldx, wp, bias, rr, n_out, yr, c0, nc, act, param); break;                                           \
        }                                                                                                                                 \
        p += take;                                                                                                                        \
      }                                                                                                                                   \
      r0 += mr;                                                                                                                           \
    }                                                                                                                                     \
  }

static void dense_base(const amp_op *op, const double *x, size_t ldx, const double *res, double *y, size_t nb, int act) DENSE_BODY

#if defined(__x86_64__) && defined(__GNUC__) && !defined(AMPFIT_BASELINE_ONLY)
__attribute__((target("avx2"))) static void dense_avx2(const amp_op *op, const double *x, size_t ldx, const double *res, double *y, size_t nb,
                                                       int act) DENSE_BODY
#endif

void amp_dense(const amp_op *op, const double *x, size_t ldx, const double *res, double *y, size_t nb, int act) {
#if defined(__x86_64__) && defined(__GNUC__) && !defined(AMPFIT_BASELINE_ONLY)
  if (op->simd) { dense_avx2(op, x, ldx, res, y, nb, act); return; }
#endif
  dense_base(op, x, ldx, res, y, nb, act);
}
