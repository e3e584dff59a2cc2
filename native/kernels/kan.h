/* KAN feature expansion: silu and the cubic B-splines of a uniform grid per
 * input value; src/kernels/kan.ts is the reference and gives the formulas. */
#ifndef AMPFIT_KAN_H
#define AMPFIT_KAN_H

/* f (n x nIn*(grid+4)) from x (n x nIn). */
void af_kan_expand(const double *x, long n, long nIn, long grid, double lo, double hi, double *f);

/* dx[e] = sum_m df[e*(grid+4) + m] * dF_m/dv at v = x[e]. */
void af_kan_expand_backward(const double *x, long n, long nIn, long grid, double lo, double hi,
                            const double *df, double *dx);

#endif
