/* Test driver for libampfit's physics entry points (test/runtime/momenta.test.ts, fallback.test.ts):
 *   physics <model> particles
 *   physics <model> momenta <p.bin> <n> [born.bin|null]   ampfit_eval_momenta: status, message, "value sigma" per point
 *   physics <model> eval <x.bin> <n>                       ampfit_eval, the same output
 *   physics <model> fallback <x.bin> <n> <tol> [fail]      ampfit_eval_fallback with the analytic exact function
 *                                                          below: status, message, fraction, calls, points, values
 * Numbers are printed with %.17g. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ampfit.h"

static double *read_doubles(const char *path, size_t count) {
  FILE *f = fopen(path, "rb");
  double *x = malloc((count + 1) * sizeof *x);
  if (f == NULL || x == NULL || fread(x, sizeof *x, count, f) != count) { fprintf(stderr, "cannot read %zu doubles from %s\n", count, path); exit(2); }
  fclose(f);
  return x;
}

typedef struct { size_t dim, calls, points; int fail; } exact_state;

/* A cheap analytic stand-in for the exact amplitude: 1 + sum_j (j+1) x_j^2. */
static int exact(const double *x, size_t n, double *out, void *user) {
  exact_state *s = user;
  size_t i, j;
  s->calls++;
  s->points += n;
  if (s->fail) return 42;
  for (i = 0; i < n; i++) {
    double v = 1;
    for (j = 0; j < s->dim; j++) v += (double)(j + 1) * x[i * s->dim + j] * x[i * s->dim + j];
    out[i] = v;
  }
  return 0;
}

int main(int argc, char **argv) {
  ampfit_model *m = NULL;
  const char *mode = argc > 2 ? argv[2] : "particles";
  const size_t n = argc > 4 ? (size_t)strtoull(argv[4], NULL, 10) : 0;
  size_t d = 0, np = 0, i;
  int st = ampfit_load(argv[1], &m);
  if (st != AMPFIT_OK) { printf("status %d\nmessage %s\n", st, ampfit_last_error()); return 0; }
  ampfit_input_dim(m, &d);
  if (strcmp(mode, "particles") == 0) {
    const char *info;
    st = ampfit_n_particles(m, &np);
    printf("status %d\nmessage %s\nparticles %zu\n", st, ampfit_last_error(), st == AMPFIT_OK ? np : 0);
    ampfit_info(m, &info);
    printf("info %s\n", info);
  } else if (strcmp(mode, "momenta") == 0 || strcmp(mode, "eval") == 0) {
    const int momenta = strcmp(mode, "momenta") == 0;
    double *x, *born = NULL, *out = malloc((n + 1) * sizeof *out), *sigma = malloc((n + 1) * sizeof *sigma);
    if (momenta && ampfit_n_particles(m, &np) != AMPFIT_OK) np = 1;
    x = read_doubles(argv[3], momenta ? n * np * 4 : n * d);
    if (momenta && argc > 5 && strcmp(argv[5], "null") != 0) born = read_doubles(argv[5], n);
    st = momenta ? ampfit_eval_momenta(m, x, n, born, out, sigma) : ampfit_eval(m, x, n, out, sigma);
    printf("status %d\nmessage %s\n", st, ampfit_last_error());
    if (st == AMPFIT_OK || st == AMPFIT_ERR_DOMAIN) for (i = 0; i < n; i++) printf("%.17g %.17g\n", out[i], sigma[i]);
    free(x); free(born); free(out); free(sigma);
  } else if (strcmp(mode, "fallback") == 0) {
    double *x = read_doubles(argv[3], n * d), *out = malloc((n + 1) * sizeof *out), fraction = -1;
    const double tol = strtod(argv[5], NULL);
    exact_state s = {d, 0, 0, argc > 6 && strcmp(argv[6], "fail") == 0};
    st = ampfit_eval_fallback(m, x, n, out, tol, exact, &s, &fraction);
    printf("status %d\nmessage %s\nfraction %.17g\ncalls %zu\npoints %zu\n", st, ampfit_last_error(), fraction, s.calls, s.points);
    if (st == AMPFIT_OK) for (i = 0; i < n; i++) printf("%.17g\n", out[i]);
    free(x); free(out);
  }
  ampfit_free(m);
  return 0;
}
