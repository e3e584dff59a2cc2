/* How each kernel call is cut into chunks for the pool (threads.c), and the
 * scratch memory the chunks use.
 *
 * Partitioning is static and depends only on the shapes and the configured
 * thread count, so a given input and thread count always produce the same
 * bits. Work is only ever split over independent output rows, or over the
 * batch for reductions (weight and bias gradients, split-K products), where
 * each chunk keeps its own partial sums and the caller adds them in chunk
 * order. Small calls run on the calling thread: handing ~10 us of work to
 * another core does not pay for the hand-off. */
#include "dispatch.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/adam.h"
#include "kernels/angular_head.h"
#include "kernels/dense.h"
#include "kernels/gemm.h"
#include "kernels/simd.h"
#include "threads.h"

/* Below this many flops (2*m*n*k, or the equivalent for a layer) a call stays
 * on one thread. Handing a chunk to a spinning worker costs about a
 * microsecond: a 32x36x36 forward pass (84k) already gains (2.3 -> 1.8 us). */
#define AF_PAR_MIN_WORK 40000.0
/* Adam is memory-bound; splitting pays only for long vectors (measured: no
 * gain at 32768 parameters, 2x at 65536). */
#define AF_PAR_MIN_ADAM 65536L
/* A split backward pass also has to add up per-chunk weight gradients
 * (nIn x nOut each, partly in the other core's cache): it pays from about 32
 * rows per chunk for width-36 layers. */
#define AF_BWD_MIN_ROWS 32

/* ---- scratch: one grow-only buffer per calling thread ---- */

typedef struct {
  double *p;
  size_t cap;
} af_scratch;

static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;

static void scratch_free(void *v) {
  af_scratch *s = v;
  free(s->p);
  free(s);
}

static void scratch_init(void) { pthread_key_create(&scratch_key, scratch_free); }

static double *scratch(size_t ndoubles) {
  pthread_once(&scratch_once, scratch_init);
  af_scratch *s = pthread_getspecific(scratch_key);
  if (!s) {
    s = calloc(1, sizeof *s);
    if (!s) return 0;
    pthread_setspecific(scratch_key, s);
  }
  if (ndoubles == 0) ndoubles = 1;
  if (ndoubles > s->cap) {
    size_t bytes = (ndoubles * sizeof(double) + 63u) & ~(size_t)63u;
    double *p = aligned_alloc(64, bytes);
    if (!p) return 0;
    free(s->p);
    s->p = p;
    s->cap = bytes / sizeof(double);
  }
  return s->p;
}

/* Sub-buffer sizes rounded to whole cache lines, keeping 64-byte alignment. */
static size_t lines(size_t ndoubles) { return (ndoubles + 7u) & ~(size_t)7u; }

/* [lo, hi) of chunk c when `total` items are cut into nch chunks whose sizes
 * are multiples of `align` (except the last). */
static void split(long total, int nch, int c, long align, long *lo, long *hi) {
  long per = (total + nch - 1) / nch;
  per = (per + align - 1) / align * align;
  long a = (long)c * per, b = a + per;
  *lo = a < total ? a : total;
  *hi = b < total ? b : total;
}

static int chunks_for(double work, long items, long min_items_per_chunk) {
  int t = af_threads_get();
  if (t <= 1 || work < AF_PAR_MIN_WORK) return 1;
  long most = items / min_items_per_chunk;
  if (most < 2) return 1;
  return t < most ? t : (int)most;
}

/* ---- gemm ---- */

enum { SPLIT_ROWS, SPLIT_COLS, SPLIT_K };

typedef struct {
  int ta, tb, mode, nch;
  long m, n, k, lda, ldb, ldc;
  double alpha, beta;
  const double *a, *b;
  double *c;
  double *work;     /* nch slices of wsz doubles */
  size_t wsz;
  double *partial;  /* SPLIT_K: nch slices of psz doubles */
  size_t psz;
} gemm_job;

static void gemm_chunk(void *vctx, int c, int nch) {
  const gemm_job *j = vctx;
  double *work = j->work + (size_t)c * j->wsz;
  af_epi e = {0, AF_OP_SCALE, j->alpha, j->beta, 0, 0, 0};
  long lo, hi;
  if (j->mode == SPLIT_ROWS) {
    split(j->m, nch, c, AF_MR, &lo, &hi);
    if (hi <= lo) return;
    const double *a = j->ta ? j->a + lo : j->a + lo * j->lda;
    af_gemm(j->ta, j->tb, hi - lo, j->n, j->k, a, j->lda, j->b, j->ldb, j->c + lo * j->ldc,
            j->ldc, &e, 0, work);
  } else if (j->mode == SPLIT_COLS) {
    split(j->n, nch, c, AF_VL, &lo, &hi);
    if (hi <= lo) return;
    const double *b = j->tb ? j->b + lo * j->ldb : j->b + lo;
    af_gemm(j->ta, j->tb, j->m, hi - lo, j->k, j->a, j->lda, b, j->ldb, j->c + lo, j->ldc, &e, 0,
            work);
  } else {
    double *part = j->partial + (size_t)c * j->psz;
    memset(part, 0, (size_t)j->m * (size_t)j->n * sizeof(double));
    split(j->k, nch, c, 1, &lo, &hi);
    if (hi <= lo) return;
    const double *a = j->ta ? j->a + lo * j->lda : j->a + lo;
    const double *b = j->tb ? j->b + lo : j->b + lo * j->ldb;
    af_epi raw = {1, AF_OP_RAW, 1.0, 0.0, 0, 0, 0};
    af_gemm(j->ta, j->tb, j->m, j->n, hi - lo, a, j->lda, b, j->ldb, part, j->n, &raw, 0, work);
  }
}

int af_par_gemm(int ta, int tb, long m, long n, long k, double alpha, const double *a, long lda,
                const double *b, long ldb, double beta, double *c, long ldc) {
  if (m <= 0 || n <= 0) return 0;
  gemm_job j = {ta, tb, SPLIT_ROWS, 1, m, n, k, lda, ldb, ldc, alpha, beta, a, b, c, 0, 0, 0, 0};
  double work = 2.0 * (double)m * (double)n * (double)k;
  int nch = chunks_for(work, m, 2 * AF_MR);
  if (nch == 1) {
    nch = chunks_for(work, n, 2 * AF_VL);
    if (nch > 1) {
      j.mode = SPLIT_COLS;
    } else {
      nch = chunks_for(work, k, 64);
      if (nch > 1) j.mode = SPLIT_K;
    }
  }
  j.nch = nch;
  j.wsz = lines(af_gemm_work(j.mode == SPLIT_COLS ? (n + nch - 1) / nch + AF_VL : n, k, 0));
  j.psz = j.mode == SPLIT_K ? lines((size_t)m * (size_t)n) : 0;
  double *buf = scratch(j.wsz * (size_t)nch + j.psz * (size_t)nch);
  if (!buf) return -1;
  j.work = buf;
  j.partial = buf + j.wsz * (size_t)nch;
  af_threads_run(gemm_chunk, &j, nch);
  if (j.mode == SPLIT_K) {
    for (long i = 0; i < m; i++) {
      for (long jj = 0; jj < n; jj++) {
        size_t at = (size_t)i * (size_t)n + (size_t)jj;
        double s = j.partial[at];
        for (int q = 1; q < nch; q++) s = s + j.partial[(size_t)q * j.psz + at];
        double *cp = c + i * ldc + jj;
        *cp = beta != 0.0 ? alpha * s + beta * *cp : alpha * s;
      }
    }
  }
  return 0;
}

/* ---- dense forward ---- */

/* Rough cost of one activation element in flop-equivalents, so that layers
 * with expensive activations are split at smaller sizes. */
static double act_cost(int act) { return act <= 2 ? 1.0 : 40.0; }

typedef struct {
  const double *x, *w, *b, *res;
  double *z, *y, *work;
  size_t wsz;
  long n, nIn, nOut;
  int act;
  double param;
} fwd_job;

static void fwd_chunk(void *vctx, int c, int nch) {
  const fwd_job *j = vctx;
  long lo, hi;
  split(j->n, nch, c, AF_MR, &lo, &hi);
  if (hi <= lo) return;
  af_dense_forward(j->x + lo * j->nIn, hi - lo, j->nIn, j->w, j->b, j->nOut, j->act, j->param,
                   j->res ? j->res + lo * j->nOut : 0, j->z + lo * j->nOut, j->y + lo * j->nOut,
                   j->work + (size_t)c * j->wsz);
}

int af_par_dense_forward(const double *x, long n, long nIn, const double *w, const double *b,
                         long nOut, int act, double param, const double *res, double *z,
                         double *y) {
  if (n <= 0 || nOut <= 0) return 0;
  double work = (double)n * (double)nOut * (2.0 * (double)nIn + act_cost(act));
  int nch = chunks_for(work, n, 2 * AF_MR);
  fwd_job j = {x, w, b, res, z, y, 0, lines(af_dense_forward_work(nIn, nOut)), n, nIn, nOut, act,
               param};
  j.work = scratch(j.wsz * (size_t)nch);
  if (!j.work) return -1;
  af_threads_run(fwd_chunk, &j, nch);
  return 0;
}

/* ---- dense backward ---- */

typedef struct {
  const double *x, *w, *z, *dy;
  double *dz, *dx;
  double *gw, *gb; /* nch slices each, or the outputs themselves when nch == 1 */
  size_t gwsz, gbsz;
  double *work;
  size_t wsz;
  long n, nIn, nOut;
  int act;
  double param;
} bwd_job;

static void bwd_chunk(void *vctx, int c, int nch) {
  const bwd_job *j = vctx;
  double *gw = j->gw + (size_t)c * j->gwsz;
  double *gb = j->gb ? j->gb + (size_t)c * j->gbsz : 0;
  memset(gw, 0, (size_t)j->nIn * (size_t)j->nOut * sizeof(double));
  if (gb) memset(gb, 0, (size_t)j->nOut * sizeof(double));
  long lo, hi;
  split(j->n, nch, c, AF_MR, &lo, &hi);
  if (hi <= lo) return;
  long no = j->nOut, ni = j->nIn;
  af_dense_backward(j->x + lo * ni, hi - lo, ni, j->w, no, j->act, j->param, j->z + lo * no,
                    j->dy + lo * no, j->dz + lo * no, j->dx ? j->dx + lo * ni : 0, gw, gb,
                    j->work + (size_t)c * j->wsz);
}

int af_par_dense_backward(const double *x, long n, long nIn, const double *w, long nOut, int act,
                          double param, const double *z, const double *dy, double *dz,
                          double *dx, double *gw, double *gb, int accumulate) {
  double work = (double)n * (double)nOut * ((dx ? 4.0 : 2.0) * (double)nIn + act_cost(act));
  int nch = chunks_for(work, n, AF_BWD_MIN_ROWS);
  size_t gwn = (size_t)nIn * (size_t)nOut;
  bwd_job j = {x, w, z, dy, dz, dx, gw, gb, lines(gwn), lines((size_t)nOut), 0,
               lines(af_dense_backward_work(nIn, nOut)), n, nIn, nOut, act, param};
  /* With one chunk and no accumulation the running sums can live in the
   * outputs; otherwise chunks sum into partials that are reduced below. */
  int direct = nch == 1 && !accumulate;
  size_t need = j.wsz * (size_t)nch + (direct ? 0 : (j.gwsz + j.gbsz) * (size_t)nch);
  double *buf = scratch(need);
  if (!buf) return -1;
  j.work = buf;
  if (!direct) {
    j.gw = buf + j.wsz * (size_t)nch;
    j.gb = gb ? j.gw + j.gwsz * (size_t)nch : 0;
  }
  af_threads_run(bwd_chunk, &j, nch);
  if (!direct) {
    for (size_t i = 0; i < gwn; i++) {
      double s = j.gw[i];
      for (int q = 1; q < nch; q++) s = s + j.gw[(size_t)q * j.gwsz + i];
      gw[i] = accumulate ? gw[i] + s : s;
    }
    if (gb) {
      for (long i = 0; i < nOut; i++) {
        double s = j.gb[i];
        for (int q = 1; q < nch; q++) s = s + j.gb[(size_t)q * j.gbsz + i];
        gb[i] = accumulate ? gb[i] + s : s;
      }
    }
  }
  return 0;
}

/* ---- adam ---- */

typedef struct {
  double *p, *m, *v;
  const double *g;
  long n;
  double beta1, beta2, eps, step_size, sqrt_bc2;
} adam_job;

static void adam_chunk(void *vctx, int c, int nch) {
  const adam_job *j = vctx;
  long lo, hi;
  split(j->n, nch, c, 8, &lo, &hi);
  if (hi <= lo) return;
  af_adam(j->p + lo, j->g + lo, j->m + lo, j->v + lo, hi - lo, j->beta1, j->beta2, j->eps,
          j->step_size, j->sqrt_bc2);
}

int af_par_adam(double *p, const double *g, double *m, double *v, long n, double lr,
                double beta1, double beta2, double eps, double step) {
  adam_job j = {p, m, v, g, n, beta1, beta2, eps, 0.0, 0.0};
  af_adam_coefs(lr, beta1, beta2, step, &j.step_size, &j.sqrt_bc2);
  int nch = 1;
  if (n >= AF_PAR_MIN_ADAM) {
    int t = af_threads_get();
    nch = t < 1 ? 1 : t;
  }
  af_threads_run(adam_chunk, &j, nch);
  return 0;
}

/* ---- angular head ---- */

/* Rows are independent: chunks of whole cache lines of the per-row outputs
 * (8 doubles), so no two threads write one line. */
typedef struct {
  const af_head_shape *s;
  long n, k, zn;
  const double *angles, *o, *basis, *z, *v, *ce, *craw, *cmean;
  double *basis_out, *z_out, *v_out, *p, *qraw, *qmean, *dinner;
} head_job;

static void head_forward_chunk(void *vctx, int c, int nch) {
  const head_job *j = vctx;
  long lo, hi;
  split(j->n, nch, c, 8, &lo, &hi);
  if (hi <= lo) return;
  af_head_forward(j->s, hi - lo, j->angles + lo * 2 * j->s->decays, j->o + lo * j->s->m,
                  j->basis_out + lo * j->k, j->z_out + lo * j->zn, j->v_out + lo * j->zn,
                  j->p + lo, j->qraw + lo, j->qmean + lo);
}

static void head_backward_chunk(void *vctx, int c, int nch) {
  const head_job *j = vctx;
  long lo, hi;
  split(j->n, nch, c, 8, &lo, &hi);
  if (hi <= lo) return;
  af_head_backward(j->s, hi - lo, j->o + lo * j->s->m, j->basis + lo * j->k, j->z + lo * j->zn,
                   j->v + lo * j->zn, j->ce + lo, j->craw + lo, j->cmean + lo,
                   j->dinner + lo * j->s->m);
}

/* Flops of one row, forward or backward: the numerator (2K) and the L block (~4 Z^2), plus
 * ~60 for the harmonics' cos and sin. */
static double head_work(const af_head_shape *s, long n) {
  double k = (double)af_head_k(s), zn = (double)af_head_z(s);
  return (double)n * (2.0 * k + 4.0 * zn * zn + 60.0);
}

void af_par_head_forward(AF_HEAD_FORWARD_PARAMS) {
  head_job j = {s, n, af_head_k(s), af_head_z(s), angles, o, 0, 0, 0, 0, 0, 0,
                basis, z, v, p, qraw, qmean, 0};
  af_threads_run(head_forward_chunk, &j, chunks_for(head_work(s, n), n, 16));
}

void af_par_head_backward(AF_HEAD_BACKWARD_PARAMS) {
  head_job j = {s, n, af_head_k(s), af_head_z(s), 0, o, basis, z, v, ce, craw, cmean,
                0, 0, 0, 0, 0, 0, dinner};
  af_threads_run(head_backward_chunk, &j, chunks_for(head_work(s, n), n, 16));
}
