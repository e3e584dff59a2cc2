/* L-GATr's multivector ops (kernels/mv.h) split over the kernel threads along
 * the batch: tokens, points for the attention, weight rows for the linear
 * map's weight gradient. Every chunk writes its own rows, so nothing is
 * reduced and results do not depend on the thread count. */
#ifndef AMPFIT_DISPATCH_MV_H
#define AMPFIT_DISPATCH_MV_H

#include "kernels/mv.h"

typedef enum {
  AF_MV_LINEAR_FORWARD, AF_MV_LINEAR_BACKWARD, AF_MV_NORM_FORWARD, AF_MV_NORM_BACKWARD,
  AF_MV_GATE_FORWARD, AF_MV_GATE_BACKWARD, AF_MV_BILINEAR_FORWARD, AF_MV_BILINEAR_BACKWARD,
  AF_MV_ATTENTION_FORWARD, AF_MV_ATTENTION_BACKWARD
} af_mv_op;

/* One call's operands; which ones an op reads is in kernels/mv.h. */
typedef struct {
  af_mv_op op;
  const af_mv_algebra *g;
  const af_mv_table *t;
  const af_mv_attention *att_shape;
  long rows, cin, cout, c, n;
  double eps;
  const double *w, *x, *y, *dy, *norm, *sq, *att, *q, *k, *v;
  double *out, *out2, *out3, *out4, *gw, *nout, *sqout;
} af_mv_call;

void af_par_mv(const af_mv_call *call);

#endif
