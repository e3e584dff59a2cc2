#include "dispatch_mv.h"

#include "threads.h"

/* Below this many multiply-adds a call stays on one thread (a chunk hand-off
 * costs about a microsecond, see dispatch.c). */
#define MV_PAR_MIN_WORK 20000.0

static void range(long total, int nch, int c, long *lo, long *hi) {
  const long per = (total + nch - 1) / nch;
  const long a = (long)c * per, b = a + per;
  *lo = a < total ? a : total;
  *hi = b < total ? b : total;
}

/* The items an op splits over and its work per item. */
static long items_of(const af_mv_call *j, double *work) {
  switch (j->op) {
    case AF_MV_LINEAR_FORWARD:
    case AF_MV_LINEAR_BACKWARD:
      *work = 32.0 * (double)(j->cin * j->cout);
      return j->rows;
    case AF_MV_NORM_FORWARD:
    case AF_MV_NORM_BACKWARD:
      *work = 32.0 * (double)j->c;
      return j->rows;
    case AF_MV_GATE_FORWARD:
    case AF_MV_GATE_BACKWARD:
      *work = 40.0;
      return j->rows * j->c;
    case AF_MV_BILINEAR_FORWARD:
    case AF_MV_BILINEAR_BACKWARD:
      *work = (double)j->t->count;
      return j->rows * j->c;
    default: {
      const af_mv_attention *s = j->att_shape;
      *work = 48.0 * (double)(s->particles * s->particles * s->heads * s->ch);
      return j->n;
    }
  }
}

static void chunk(void *ctx, int c, int nch) {
  const af_mv_call *j = ctx;
  double work;
  long lo, hi;
  range(items_of(j, &work), nch, c, &lo, &hi);
  const long plane = j->rows * j->c;
  switch (j->op) {
    case AF_MV_LINEAR_FORWARD:
      if (hi > lo) af_mv_linear_forward(j->g, j->cin, j->cout, j->w, j->x, j->rows, lo, hi, j->out);
      return;
    case AF_MV_LINEAR_BACKWARD: {
      if (j->out != 0 && hi > lo)
        af_mv_linear_backward_dx(j->g, j->cin, j->cout, j->w, j->dy, j->rows, lo, hi, j->out);
      long klo, khi;
      range(10 * j->cin, nch, c, &klo, &khi);
      if (khi > klo) af_mv_linear_backward_dw(j->g, j->cin, j->cout, j->x, j->dy, j->rows, klo, khi, j->gw);
      return;
    }
    case AF_MV_NORM_FORWARD:
      af_mv_norm_forward(j->g, j->eps, j->x, j->rows, j->c, lo, hi, j->out, j->nout, j->sqout);
      return;
    case AF_MV_NORM_BACKWARD:
      af_mv_norm_backward(j->g, j->x, j->rows, j->c, j->norm, j->sq, j->dy, lo, hi, j->out, j->out2);
      return;
    case AF_MV_GATE_FORWARD:
      af_mv_gate_forward(j->x, plane, lo, hi, j->out);
      return;
    case AF_MV_GATE_BACKWARD:
      af_mv_gate_backward(j->x, plane, j->dy, lo, hi, j->out);
      return;
    case AF_MV_BILINEAR_FORWARD:
      af_mv_bilinear_forward(j->t, j->x, j->y, plane, lo, hi, j->out);
      return;
    case AF_MV_BILINEAR_BACKWARD:
      af_mv_bilinear_backward(j->t, j->x, j->y, plane, j->dy, lo, hi, j->out, j->out2);
      return;
    case AF_MV_ATTENTION_FORWARD:
      af_mv_attention_forward(j->g, j->att_shape, j->q, j->k, j->v, j->n, lo, hi, j->out, j->out2);
      return;
    case AF_MV_ATTENTION_BACKWARD:
      af_mv_attention_backward(j->g, j->att_shape, j->q, j->k, j->v, j->n, j->att, j->dy, lo, hi,
                               j->out, j->out2, j->out3, j->out4);
      return;
  }
}

void af_par_mv(const af_mv_call *call) {
  double work;
  const long items = items_of(call, &work);
  int nch = af_threads_get();
  if (nch > 1 && (work * (double)items < MV_PAR_MIN_WORK || af_threads_solo())) nch = 1;
  if (nch > items) nch = items > 0 ? (int)items : 1;
  /* The weight gradient is split over 10*cin weight rows: no more chunks than those. */
  if (call->op == AF_MV_LINEAR_BACKWARD && nch > 10 * call->cin) nch = (int)(10 * call->cin);
  if (nch <= 1) {
    chunk((void *)call, 0, 1);
    return;
  }
  af_threads_run(chunk, (void *)call, nch);
}
