/* Register-blocked GEMM for the small, skinny products of dense layers
 * (widths 2..128, batches up to 65536): x*W, dz*W^T and x^T*dz.
 *
 * Layout: op(B) is packed into panels of AF_VL columns (zero padded), so one
 * micro-kernel serves both transB cases and reads B contiguously; A is not
 * packed, because both of its cases are already cheap to stream: row-major A
 * gives AF_MR row pointers advancing by 1, transposed A gives AF_MR adjacent
 * doubles per k step. A tile of AF_MR x (up to AF_NVMAX vectors) of C lives in
 * registers for the whole k loop. On AVX-512 a last vector with at most 4
 * valid columns is computed with 256-bit operations (widths like 36 or 100
 * would otherwise waste a half vector per row).
 *
 * Each C element is summed as acc = 0; for p ascending: acc = fma(a, b, acc):
 * the TS reference's loop with one rounding per term instead of two, so the
 * two agree to rounding (FMA is ~20% faster than a separate multiply and add
 * on Zen 4, and no less accurate). The order never depends on the thread
 * count except where a reduction is split over the batch (dispatch.c). */
#include "gemm.h"

#include "simd.h"

AF_INLINE vd ld_part(const double *p, int last, int nlast) {
  return last ? vload_n(p, nlast) : vload(p);
}

/* Half vectors: where a tile's last vector holds at most 4 valid columns
 * (e.g. width 36 = 4*8 + 4), AVX-512 builds use 256-bit operations for it,
 * which cost half as much on cores that split 512-bit ops (Zen 4). */
#if defined(__AVX512F__) && defined(__AVX512VL__)
#define AF_HAVE_HALF 1
typedef double vh __attribute__((vector_size(32)));
typedef double vhu __attribute__((vector_size(32), aligned(8), may_alias));
AF_INLINE vh vh_load(const double *p) { return *(const vhu *)p; }
AF_INLINE vh vh_load_n(const double *p, int n) {
  return (vh)_mm256_maskz_loadu_pd((__mmask8)((1u << n) - 1u), p);
}
AF_INLINE void vh_store_n(double *p, vh v, int n) {
  _mm256_mask_storeu_pd(p, (__mmask8)((1u << n) - 1u), (__m256d)v);
}
AF_INLINE vh vh_set1(double x) { return (vh){x, x, x, x}; }
AF_INLINE vh vh_fma(vh a, vh b, vh c) { return (vh)_mm256_fmadd_pd((__m256d)a, (__m256d)b, (__m256d)c); }
#else
#define AF_HAVE_HALF 0
#endif

/* C tile (MRc rows, NVc vectors) += op(A) panel * packed B panel, then the
 * epilogue. HALF: the last vector is a 4-wide half vector (nlast <= 4). */
AF_INLINE void ukernel(const int MRc, const int NVc, const int TA, const int HALF, long k,
                       const double *a, long lda, const double *bp, long bvs, double *c, long ldc,
                       int nlast, const af_epi *e, const double *bias, const double *res) {
  const int NF = HALF ? NVc - 1 : NVc; /* full vectors */
  vd acc[AF_MR][AF_NVMAX];
#if AF_HAVE_HALF
  vh acch[AF_MR];
#endif
  if (e->init_c) {
    _Pragma("GCC unroll 8") for (int r = 0; r < MRc; r++) {
      _Pragma("GCC unroll 4") for (int u = 0; u < NF; u++)
        acc[r][u] = ld_part(c + r * ldc + u * AF_VL, u == NVc - 1, nlast);
#if AF_HAVE_HALF
      if (HALF) acch[r] = vh_load_n(c + r * ldc + NF * AF_VL, nlast);
#endif
    }
  } else {
    _Pragma("GCC unroll 8") for (int r = 0; r < MRc; r++) {
      _Pragma("GCC unroll 4") for (int u = 0; u < NF; u++) acc[r][u] = vset1(0.0);
#if AF_HAVE_HALF
      if (HALF) acch[r] = vh_set1(0.0);
#endif
    }
  }

  const double *ap[AF_MR];
  _Pragma("GCC unroll 8") for (int r = 0; r < MRc; r++) ap[r] = a + r * lda;
  const double *arow = a;
  for (long p = 0; p < k; p++) {
    vd bv[AF_NVMAX];
    _Pragma("GCC unroll 4") for (int u = 0; u < NF; u++) bv[u] = vload(bp + u * bvs + p * AF_VL);
#if AF_HAVE_HALF
    vh bh = HALF ? vh_load(bp + NF * bvs + p * AF_VL) : vh_set1(0.0);
#endif
    _Pragma("GCC unroll 8") for (int r = 0; r < MRc; r++) {
      const double s = TA ? arow[r] : ap[r][p];
      vd av = vset1(s);
      _Pragma("GCC unroll 4") for (int u = 0; u < NF; u++) acc[r][u] = vfma(av, bv[u], acc[r][u]);
#if AF_HAVE_HALF
      if (HALF) acch[r] = vh_fma(vh_set1(s), bh, acch[r]);
#endif
    }
    if (TA) arow += lda;
  }

  const int op = e->op;
  const double alpha = e->alpha, beta = e->beta;
  _Pragma("GCC unroll 8") for (int r = 0; r < MRc; r++) {
    _Pragma("GCC unroll 4") for (int u = 0; u < NF; u++) {
      const int last = u == NVc - 1;
      double *cp = c + r * ldc + u * AF_VL;
      vd v = acc[r][u];
      if (op == AF_OP_SCALE) {
        v = vset1(alpha) * v;
        if (beta != 0.0) v = v + vset1(beta) * ld_part(cp, last, nlast);
      } else if (op == AF_OP_ADD_SCALED) {
        v = ld_part(cp, last, nlast) + vset1(alpha) * v;
      } else if (op == AF_OP_BIAS) {
        if (bias) v = v + ld_part(bias + u * AF_VL, last, nlast);
        if (res) v = v + ld_part(res + r * e->ldr + u * AF_VL, last, nlast);
      }
      if (last && nlast < AF_VL)
        vstore_n(cp, v, nlast);
      else
        vstore(cp, v);
    }
#if AF_HAVE_HALF
    if (HALF) {
      double *cp = c + r * ldc + NF * AF_VL;
      vh v = acch[r];
      if (op == AF_OP_SCALE) {
        v = vh_set1(alpha) * v;
        if (beta != 0.0) v = v + vh_set1(beta) * vh_load_n(cp, nlast);
      } else if (op == AF_OP_ADD_SCALED) {
        v = vh_load_n(cp, nlast) + vh_set1(alpha) * v;
      } else if (op == AF_OP_BIAS) {
        if (bias) v = v + vh_load_n(bias + NF * AF_VL, nlast);
        if (res) v = v + vh_load_n(res + r * e->ldr + NF * AF_VL, nlast);
      }
      vh_store_n(cp, v, nlast);
    }
#endif
  }
}

typedef void (*uk_fn)(long k, const double *a, long lda, const double *bp, long bvs, double *c,
                      long ldc, int nlast, const af_epi *e, const double *bias,
                      const double *res);

/* One out-of-line instance per (rows, vectors, transA, half), so every k
 * loop is compiled with its tile shape known and its accumulators in
 * registers. */
#define AF_UK(MRc, NVc, TA, H)                                                                   \
  static void uk_##MRc##_##NVc##_##TA##_##H(long k, const double *a, long lda, const double *bp, \
                                            long bvs, double *c, long ldc, int nlast,             \
                                            const af_epi *e, const double *bias,                  \
                                            const double *res) {                                  \
    ukernel(MRc, NVc, TA, H, k, a, lda, bp, bvs, c, ldc, nlast, e, bias, res);                   \
  }
#define AF_UK_ROW(MRc, TA, H) AF_UK(MRc, 1, TA, H) AF_UK(MRc, 2, TA, H) AF_UK(MRc, 3, TA, H)
#define AF_UK_ALLROWS(TA, H)                                                          \
  AF_UK_ROW(1, TA, H) AF_UK_ROW(2, TA, H) AF_UK_ROW(3, TA, H) AF_UK_ROW(4, TA, H) \
  AF_UK_EXTRA_ROWS(TA, H)
#if AF_MR == 8
#define AF_UK_EXTRA_ROWS(TA, H) \
  AF_UK_ROW(5, TA, H) AF_UK_ROW(6, TA, H) AF_UK_ROW(7, TA, H) AF_UK_ROW(8, TA, H)
#elif AF_MR == 4
#define AF_UK_EXTRA_ROWS(TA, H)
#else
#error "unsupported AF_MR"
#endif
#if AF_NVMAX != 3
#error "unsupported AF_NVMAX"
#endif

AF_UK_ALLROWS(0, 0)
AF_UK_ALLROWS(1, 0)
#if AF_HAVE_HALF
AF_UK_ALLROWS(0, 1)
AF_UK_ALLROWS(1, 1)
#endif

#define AF_UK_ENTRY(MRc, TA, H) \
  {uk_##MRc##_1_##TA##_##H, uk_##MRc##_2_##TA##_##H, uk_##MRc##_3_##TA##_##H}
#if AF_MR == 8
#define AF_UK_TABLE(TA, H)                                                                    \
  {AF_UK_ENTRY(1, TA, H), AF_UK_ENTRY(2, TA, H), AF_UK_ENTRY(3, TA, H), AF_UK_ENTRY(4, TA, H), \
   AF_UK_ENTRY(5, TA, H), AF_UK_ENTRY(6, TA, H), AF_UK_ENTRY(7, TA, H), AF_UK_ENTRY(8, TA, H)}
#else
#define AF_UK_TABLE(TA, H) \
  {AF_UK_ENTRY(1, TA, H), AF_UK_ENTRY(2, TA, H), AF_UK_ENTRY(3, TA, H), AF_UK_ENTRY(4, TA, H)}
#endif

static const uk_fn uk_table[2][AF_MR][AF_NVMAX] = {AF_UK_TABLE(0, 0), AF_UK_TABLE(1, 0)};
#if AF_HAVE_HALF
static const uk_fn uk_table_half[2][AF_MR][AF_NVMAX] = {AF_UK_TABLE(0, 1), AF_UK_TABLE(1, 1)};
#endif

static long ceil_div(long a, long b) { return (a + b - 1) / b; }

void af_gemm_pack_b(int transB, const double *b, long ldb, long p0, long kc, long j0, long nc,
                    double *bp) {
  long nvt = ceil_div(nc, AF_VL);
  for (long v = 0; v < nvt; v++) {
    long jj = j0 + v * AF_VL;
    int w = (int)(j0 + nc - jj < AF_VL ? j0 + nc - jj : AF_VL);
    double *dst = bp + v * kc * AF_VL;
    if (!transB) {
      const double *src = b + p0 * ldb + jj;
      if (w == AF_VL) {
        for (long p = 0; p < kc; p++) vstore(dst + p * AF_VL, vload(src + p * ldb));
      } else {
        for (long p = 0; p < kc; p++) vstore(dst + p * AF_VL, vload_n(src + p * ldb, w));
      }
    } else {
      for (int l = 0; l < w; l++) {
        const double *src = b + (jj + l) * ldb + p0;
        for (long p = 0; p < kc; p++) dst[p * AF_VL + l] = src[p];
      }
      for (int l = w; l < AF_VL; l++)
        for (long p = 0; p < kc; p++) dst[p * AF_VL + l] = 0.0;
    }
  }
}

void af_gemm_packed(int transA, long m, long nc, long kc, const double *a, long lda,
                    const double *bp, double *c, long ldc, const af_epi *e) {
  const long nvt = ceil_div(nc, AF_VL);
  const long bvs = kc * AF_VL;
  for (long i = 0; i < m; i += AF_MR) {
    int mr = (int)(m - i < AF_MR ? m - i : AF_MR);
    const double *ai = transA ? a + i : a + i * lda;
    for (long v = 0; v < nvt;) {
      long left = nvt - v;
      /* 4 remaining vectors go as 2+2 rather than 3+1: a 1-vector tile has
       * too few independent accumulators to hide the add latency. */
      int nv = left > AF_NVMAX ? (left == 4 ? 2 : AF_NVMAX) : (int)left;
      long j = v * AF_VL;
      long tail = nc - (v + nv - 1) * AF_VL;
      int nlast = (int)(tail < AF_VL ? tail : AF_VL);
      uk_fn f = uk_table[transA ? 1 : 0][mr - 1][nv - 1];
#if AF_HAVE_HALF
      if (nlast <= 4) f = uk_table_half[transA ? 1 : 0][mr - 1][nv - 1];
#endif
      f(
          kc, ai, lda, bp + v * bvs, bvs, c + i * ldc + j, ldc, nlast, e,
          e->bias ? e->bias + j : 0, e->res ? e->res + i * e->ldr + j : 0);
      v += nv;
    }
  }
}

size_t af_gemm_work(long n, long k, int no_k_blocking) {
  long kc = no_k_blocking ? k : (k < AF_KC ? k : AF_KC);
  long nc = n < AF_NC ? n : AF_NC;
  if (kc < 1) kc = 1;
  if (nc < 1) nc = 1;
  return (size_t)kc * (size_t)(ceil_div(nc, AF_VL) * AF_VL);
}

void af_gemm(int transA, int transB, long m, long n, long k, const double *a, long lda,
             const double *b, long ldb, double *c, long ldc, const af_epi *epi,
             int no_k_blocking, double *work) {
  if (m <= 0 || n <= 0) return;
  const long kcmax = no_k_blocking ? (k > 0 ? k : 1) : AF_KC;
  for (long jc = 0; jc < n; jc += AF_NC) {
    long nc = n - jc < AF_NC ? n - jc : AF_NC;
    long pc = 0;
    do {
      long kc = k - pc < kcmax ? k - pc : kcmax;
      int first = pc == 0, last = pc + kc >= k;
      af_epi eb = *epi;
      if (!(first && last)) {
        /* K blocks: keep one running sum in C and apply the real epilogue on
         * the last block, except for SCALE with beta != 0, where C's old
         * value must survive the first block (rounding then differs). */
        switch (epi->op) {
          case AF_OP_RAW:
            eb.init_c = first ? epi->init_c : 1;
            break;
          case AF_OP_SCALE:
            if (epi->beta == 0.0) {
              eb.init_c = !first;
              eb.op = last ? AF_OP_SCALE : AF_OP_RAW;
            } else if (!first) {
              eb.init_c = 0;
              eb.op = AF_OP_ADD_SCALED;
            }
            break;
          case AF_OP_ADD_SCALED:
            break;
          case AF_OP_BIAS:
            eb.init_c = first ? epi->init_c : 1;
            eb.op = last ? AF_OP_BIAS : AF_OP_RAW;
            break;
          default:
            break;
        }
      }
      eb.bias = epi->bias ? epi->bias + jc : 0;
      eb.res = epi->res ? epi->res + jc : 0;
      af_gemm_pack_b(transB, b, ldb, pc, kc, jc, nc, work);
      const double *ap = transA ? a + pc * lda : a + pc;
      af_gemm_packed(transA, m, nc, kc, ap, lda, work, c + jc, ldc, &eb);
      pc += kc;
    } while (pc < k);
  }
}
