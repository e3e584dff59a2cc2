/* Dense layer forward and backward over a range of batch rows (serial; the
 * threaded driver in dispatch.c hands each thread its own rows). */
#ifndef AMPFIT_DENSE_H
#define AMPFIT_DENSE_H

#include <stddef.h>

/* Doubles of 64-byte-aligned workspace for af_dense_forward / af_dense_backward. */
size_t af_dense_forward_work(long nIn, long nOut);
size_t af_dense_backward_work(long nIn, long nOut);

/* z = x*W (+ b) (+ res), y = act(z), for n rows. res may equal z or y; y may
 * equal z when act is linear. */
void af_dense_forward(const double *x, long n, long nIn, const double *w, const double *b,
                      long nOut, int act, double param, const double *res, double *z, double *y,
                      double *work);

/* dz = dy * act'(z) (dz may equal dy); gw_run += x^T*dz and gb_run += column
 * sums of dz, both continuing the running sums in row order (the caller zeroes
 * them, or passes partials to be reduced); dx = dz*W^T unless dx is NULL. */
void af_dense_backward(const double *x, long n, long nIn, const double *w, long nOut, int act,
                       double param, const double *z, const double *dy, double *dz, double *dx,
                       double *gw_run, double *gb_run, double *work);

#endif
