/* VEGAS over the zz8d unit cube three ways (issue 20, item 5): the exact
 * MCFM amplitude, a surrogate, and the surrogate with a sigma-gated fallback.
 *
 *   vegas_zz <model> [--calls N] [--tol T] [--integrand total|virtual] [--seed S]
 *
 * Integrand at x in [0,1]^8 (u ubar -> e- e+ mu- mu+, the data card's mapping):
 *   total    f00 + f01, the one-loop-corrected |M|^2 (default);
 *   virtual  f01 alone (the surrogate's own error is not diluted by the Born).
 * f00 (tree, ~2.5 us) is always the oracle's; the one-loop f01 (~20 us) is
 *   exact:     the oracle's;
 *   surrogate: y(x) f00 with y the model's Born ratio f01/f00 (ampfit_eval);
 *   fallback:  the same through ampfit_eval_fallback, whose exact function
 *              (the oracle's f01/f00) takes the points with sigma_y/|y| > T.
 * Each run: the same seed, a warm-up of 5 iterations of N/10 calls to adapt
 * the grid, then 5 iterations of N calls (GSL's gsl_monte_vegas: N is per
 * iteration), 5.5 N integrand calls in all. Printed per run: the
 * integral, its MC error, chi^2/dof, the bias against the exact run in units
 * of the MC error, the fraction of integrand calls that evaluated the exact
 * f01, and the wall and CPU time.
 *
 * The oracle (../shared/oracle, GPL) is called, not copied: build it in a
 * copy and `make -C native/runtime demo ORACLE=<that copy>`. The oracle keeps
 * state in Fortran common blocks: single-threaded only. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <gsl/gsl_monte_vegas.h>
#include <gsl/gsl_rng.h>
#include "ampfit.h"
#include "zz_oracle.h"

typedef struct {
  const ampfit_model *model;
  int mode;          /* 0 exact, 1 surrogate, 2 fallback */
  int virtual_only;  /* integrand f01 instead of f00 + f01 */
  double tol;
  size_t calls, exact_calls, failures;
  /* The exact f01 of the point that just fell back: the integrand uses it
   * rather than ratio x f00, so a fallen-back point is the exact run's to the bit. */
  int fell_back;
  double f01;
} run_state;

/* The exact Born ratio at gathered points, for ampfit_eval_fallback. */
static int exact_ratio(const double *x, size_t n, double *out, void *user) {
  run_state *s = user;
  size_t i;
  for (i = 0; i < n; i++) {
    double f00, f01;
    if (zz_eval(x + 8 * i, &f00, &f01) != 0) return 1;
    out[i] = f01 / f00;
    s->fell_back = 1;
    s->f01 = f01;
  }
  s->exact_calls += n;
  return 0;
}

static double integrand(double *x, size_t dim, void *params) {
  run_state *s = params;
  double f00, f01, y;
  (void)dim;
  s->calls++;
  if (s->mode == 0) {
    if (zz_eval(x, &f00, &f01) != 0) { s->failures++; return 0; }
    s->exact_calls++;
  } else {
    if (zz_eval(x, &f00, NULL) != 0) { s->failures++; return 0; }
    s->fell_back = 0;
    if (s->mode == 1 ? ampfit_eval(s->model, x, 1, &y, NULL) != AMPFIT_OK
                     : ampfit_eval_fallback(s->model, x, 1, &y, s->tol, exact_ratio, s, NULL) != AMPFIT_OK) {
      s->failures++;
      return 0;
    }
    f01 = s->fell_back ? s->f01 : y * f00;
  }
  return s->virtual_only ? f01 : f00 + f01;
}

static double seconds(clockid_t clock) {
  struct timespec t;
  clock_gettime(clock, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

typedef struct { double result, error, chisq, wall, cpu, fraction; size_t calls, failures; } outcome;

static outcome integrate(run_state *s, size_t calls, unsigned long seed) {
  double lo[8] = {0, 0, 0, 0, 0, 0, 0, 0}, hi[8] = {1, 1, 1, 1, 1, 1, 1, 1};
  gsl_monte_function f = {&integrand, 8, s};
  gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
  gsl_monte_vegas_state *v = gsl_monte_vegas_alloc(8);
  gsl_monte_vegas_params p;
  outcome o;
  const double w0 = seconds(CLOCK_MONOTONIC), c0 = seconds(CLOCK_PROCESS_CPUTIME_ID);
  gsl_rng_set(r, seed);
  gsl_monte_vegas_integrate(&f, lo, hi, 8, calls / 10, r, v, &o.result, &o.error);
  gsl_monte_vegas_params_get(v, &p);
  p.stage = 1;
  p.iterations = 5;
  gsl_monte_vegas_params_set(v, &p);
  gsl_monte_vegas_integrate(&f, lo, hi, 8, calls, r, v, &o.result, &o.error);
  o.chisq = gsl_monte_vegas_chisq(v);
  o.wall = seconds(CLOCK_MONOTONIC) - w0;
  o.cpu = seconds(CLOCK_PROCESS_CPUTIME_ID) - c0;
  o.calls = s->calls;
  o.failures = s->failures;
  o.fraction = (double)s->exact_calls / (double)s->calls;
  gsl_monte_vegas_free(v);
  gsl_rng_free(r);
  return o;
}

int main(int argc, char **argv) {
  static const char *names[3] = {"exact", "surrogate", "surrogate+fallback"};
  ampfit_model *m = NULL;
  size_t calls = 100000;
  unsigned long seed = 1;
  double tol = 0.01;
  int virtual_only = 0, k, has_sigma = 0;
  outcome o[3];
  if (argc < 2) { fprintf(stderr, "usage: vegas_zz <model> [--calls N] [--tol T] [--integrand total|virtual] [--seed S]\n"); return 2; }
  for (k = 2; k + 1 < argc; k += 2) {
    if (strcmp(argv[k], "--calls") == 0) calls = (size_t)strtoull(argv[k + 1], NULL, 10);
    else if (strcmp(argv[k], "--tol") == 0) tol = strtod(argv[k + 1], NULL);
    else if (strcmp(argv[k], "--seed") == 0) seed = strtoul(argv[k + 1], NULL, 10);
    else if (strcmp(argv[k], "--integrand") == 0) virtual_only = strcmp(argv[k + 1], "virtual") == 0;
    else { fprintf(stderr, "unknown option %s\n", argv[k]); return 2; }
  }
  if (ampfit_load(argv[1], &m) != AMPFIT_OK) { fprintf(stderr, "%s\n", ampfit_last_error()); return 1; }
  ampfit_has_sigma(m, &has_sigma);
  if (!has_sigma) { fprintf(stderr, "%s: the model learned no uncertainty; the fallback needs one\n", argv[1]); return 1; }
  zz_init();
  printf("integrand %s over [0,1]^8, 5 iterations of %zu calls (after 5 of %zu to adapt), seed %lu, tol %g\n", virtual_only ? "f01" : "f00+f01", calls, calls / 10, seed, tol);
  printf("%-19s %22s %10s %8s %10s %9s %9s %8s %8s %9s\n", "run", "integral", "MC err %", "chi2/dof", "bias %", "bias/err", "exact %", "wall s", "cpu s", "calls");
  for (k = 0; k < 3; k++) {
    run_state s = {m, k, virtual_only, tol, 0, 0, 0, 0, 0};
    o[k] = integrate(&s, calls, seed);
    printf("%-19s %22.15e %10.4f %8.3f %10.4f %9.3f %9.4f %8.2f %8.2f %9zu\n", names[k], o[k].result, 100 * o[k].error / fabs(o[k].result), o[k].chisq,
           100 * (o[k].result - o[0].result) / fabs(o[0].result), (o[k].result - o[0].result) / o[k].error, 100 * o[k].fraction, o[k].wall, o[k].cpu, o[k].calls);
    if (o[k].failures > 0) printf("  %zu integrand calls failed (counted as 0)\n", o[k].failures);
  }
  ampfit_free(m);
  return 0;
}
