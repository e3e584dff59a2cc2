/* Threaded drivers: static partition of each kernel call into chunks over the
 * batch (rows), partial results reduced in chunk order. All return 0, or -1
 * when scratch memory cannot be allocated. Arguments are assumed checked. */
#ifndef AMPFIT_DISPATCH_H
#define AMPFIT_DISPATCH_H

#include "kernels/angular_head.h"

int af_par_gemm(int transA, int transB, long m, long n, long k, double alpha, const double *a,
                long lda, const double *b, long ldb, double beta, double *c, long ldc);

int af_par_dense_forward(const double *x, long n, long nIn, const double *w, const double *b,
                         long nOut, int act, double param, const double *res, double *z,
                         double *y);

int af_par_dense_backward(const double *x, long n, long nIn, const double *w, long nOut, int act,
                          double param, const double *z, const double *dy, double *dz,
                          double *dx, double *gw, double *gb, int accumulate);

/* The angular head (kernels/angular_head.h), split over rows; nothing to reduce. */
void af_par_head_forward(AF_HEAD_FORWARD_PARAMS);
void af_par_head_backward(AF_HEAD_BACKWARD_PARAMS);

int af_par_adam(double *p, const double *g, double *m, double *v, long n, double lr,
                double beta1, double beta2, double eps, double step);

#endif
