/* The harmonic angular head's per-row contractions; src/kernels/angularHead.ts
 * is the reference and says what each buffer holds. Rows are independent, so
 * a caller may pass any row range (pointers advanced to its first row). */
#ifndef AMPFIT_ANGULAR_HEAD_H
#define AMPFIT_ANGULAR_HEAD_H

#define AF_HEAD_MAX_DECAYS 4
#define AF_HEAD_MAX_L 6

typedef struct {
  int decays, lmax;
  long m, lat, eat; /* inner outputs per row; offsets of L and e in a row */
  double alpha, beta;
} af_head_shape;

/* K = (lmax + 1)^(2 decays), Z = 4^decays. */
long af_head_k(const af_head_shape *s);
long af_head_z(const af_head_shape *s);

/* The parameter lists, shared with the row-split versions of dispatch.h. */
#define AF_HEAD_FORWARD_PARAMS                                                              \
  const af_head_shape *s, long n, const double *angles, const double *o, double *basis,     \
      double *z, double *v, double *p, double *qraw, double *qmean
#define AF_HEAD_BACKWARD_PARAMS                                                             \
  const af_head_shape *s, long n, const double *o, const double *basis, const double *z,    \
      const double *v, const double *ce, const double *craw, const double *cmean, double *dinner

void af_head_forward(AF_HEAD_FORWARD_PARAMS);
void af_head_backward(AF_HEAD_BACKWARD_PARAMS);

#endif
