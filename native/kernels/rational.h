/* Rational (Pade) activation with learnable coefficients, safe denominator
 * Q = 1 + sum_k |b_k x^k|; src/kernels/rational.ts is the reference and says
 * why. Channel c of a width-w row uses group c / (w / groups), coefficients
 * coef[g*(degP+1+degQ) ..] = a_0..a_degP, b_1..b_degQ. */
#ifndef AMPFIT_RATIONAL_H
#define AMPFIT_RATIONAL_H

int af_rational_forward(const double *x, long n, long width, long groups, long degP, long degQ,
                         const double *coef, double *y);

/* dx may be null or equal dy; gcoef is overwritten (per row and group, each coefficient's
 * terms added in the lane order of laneSum in src/kernels/rational.ts).
 * Both return -1 when their work arrays cannot be allocated, 0 otherwise. */
int af_rational_backward(const double *x, long n, long width, long groups, long degP, long degQ,
                          const double *coef, const double *dy, double *dx, double *gcoef);

#endif
