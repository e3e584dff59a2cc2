/* Adam (Kingma & Ba, with bias correction, no weight decay). */
#ifndef AMPFIT_ADAM_H
#define AMPFIT_ADAM_H

/* Per-step scalars: step_size = lr / (1 - beta1^t), sqrt_bc2 = sqrt(1 - beta2^t). */
void af_adam_coefs(double lr, double beta1, double beta2, double step, double *step_size,
                   double *sqrt_bc2);

/* Elements [0, n) of one flat parameter vector. */
void af_adam(double *p, const double *g, double *m, double *v, long n, double beta1, double beta2,
             double eps, double step_size, double sqrt_bc2);

#endif
