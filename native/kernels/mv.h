/* L-GATr's multivector ops on component-major tensors [16][R][C] (blade a,
 * token r, channel c at a*R*C + r*C + c); src/nn/lgatr/ops.ts, attention.ts
 * and equiLinear.ts are the reference and say what each computes. Every
 * kernel takes the tensor's total rows R (the plane stride) and a row range
 * [lo, hi) — tokens, or points for the attention — so a caller may split a
 * batch anywhere; the linear map's weight gradient is split over its weight
 * rows instead, which needs no reduction. */
#ifndef AMPFIT_MV_H
#define AMPFIT_MV_H

#define AF_MV 16

/* The algebra's constant tables as src/nn/lgatr/algebra.ts derives them. */
typedef struct {
  int grade[AF_MV];
  double dual[AF_MV];  /* DUAL_SIGN */
  double metric[AF_MV];
} af_mv_algebra;

/* A bilinear product as terms z[out] += sign * x[left] * y[right]. */
typedef struct {
  int count;
  unsigned char left[256], right[256], out[256];
  double sign[256];
} af_mv_table;

void af_mv_linear_forward(const af_mv_algebra *g, long cin, long cout, const double *w,
                          const double *x, long R, long lo, long hi, double *y);
void af_mv_linear_backward_dx(const af_mv_algebra *g, long cin, long cout, const double *w,
                              const double *dy, long R, long lo, long hi, double *dx);
/* gw += dL/dw for weight rows [klo, khi) of the 10*cin (block, input channel) rows;
 * row 0 also adds the bias gradient. */
void af_mv_linear_backward_dw(const af_mv_algebra *g, long cin, long cout, const double *x,
                              const double *dy, long R, long klo, long khi, double *gw);

void af_mv_norm_forward(const af_mv_algebra *g, double eps, const double *x, long R, long c,
                        long lo, long hi, double *y, double *norm, double *sq);
void af_mv_norm_backward(const af_mv_algebra *g, const double *x, long R, long c,
                         const double *norm, const double *sq, const double *dy, long lo,
                         long hi, double *dx, double *dot);

/* The gate over entries [lo, hi) of a plane of `plane` entries (tokens x channels). */
void af_mv_gate_forward(const double *x, long plane, long lo, long hi, double *y);
void af_mv_gate_backward(const double *x, long plane, const double *dy, long lo, long hi,
                         double *dx);

void af_mv_bilinear_forward(const af_mv_table *t, const double *x, const double *y, long plane,
                            long lo, long hi, double *z);
void af_mv_bilinear_backward(const af_mv_table *t, const double *x, const double *y,
                             long plane, const double *dz, long lo, long hi, double *dx,
                             double *dy);

typedef struct {
  long particles, heads, ch; /* tokens per point, heads, channels per head */
  double scale;
} af_mv_attention;

/* Points [lo, hi) of n; q, k, v, o are [16][n*P][H*Ch], att [n][H][P][P]. */
void af_mv_attention_forward(const af_mv_algebra *g, const af_mv_attention *s, const double *q,
                             const double *k, const double *v, long n, long lo, long hi,
                             double *att, double *o);
void af_mv_attention_backward(const af_mv_algebra *g, const af_mv_attention *s,
                              const double *q, const double *k, const double *v, long n,
                              const double *att, const double *dout, long lo, long hi,
                              double *dq, double *dk, double *dv, double *datt);

#endif
