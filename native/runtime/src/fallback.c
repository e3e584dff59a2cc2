/* sigma-gated fallback (issue 20, item 5): the surrogate where its learned
 * uncertainty is small enough, the caller's exact function everywhere else.
 * An integral over points mixed this way is unbiased on the fallen-back
 * points by construction; the surrogate's bias is bounded by tol on the rest
 * (as far as sigma is calibrated).
 *
 * A point falls back when its value is not finite (outside the domain, NaN
 * input, bad momenta) or when !(sigma <= tol |value|): sigma/|value| > tol,
 * a NaN sigma, and a zero value with a positive sigma. A model without a
 * learned sigma is refused (AMPFIT_ERR_UNSUPPORTED) unless tol is +inf: a
 * generator author asking for 1e-3 accuracy from a model that cannot say
 * how accurate it is must hear so, not get the surrogate everywhere. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

int ampfit_eval_fallback(const ampfit_model *m, const double *x, size_t n, double *out, double tol, ampfit_exact_fn exact_fn, void *user,
                         double *fallback_fraction) {
  double *sigma, *xg = NULL, *og = NULL;
  size_t *idx, k = 0, i, d;
  int has_sigma, st, rc;
  const int gate = !(isinf(tol) && tol > 0);
  if (fallback_fraction != NULL) *fallback_fraction = 0;
  if (m == NULL || out == NULL || exact_fn == NULL || (x == NULL && n > 0)) return amp_fail(AMPFIT_ERR_ARGUMENT, "ampfit_eval_fallback: NULL argument");
  if (!(tol >= 0)) return amp_fail(AMPFIT_ERR_ARGUMENT, "ampfit_eval_fallback: tol = %g; it is a relative uncertainty, >= 0 (+inf: fall back only where the model has no value)", tol);
  ampfit_has_sigma(m, &has_sigma);
  if (gate && !has_sigma) {
    return amp_fail(AMPFIT_ERR_UNSUPPORTED, "ampfit_eval_fallback: this model learned no uncertainty, so sigma/|f| > %g cannot be decided; train it with "
                    "uncertainty: heteroscedastic or ensemble, or pass tol = INFINITY to fall back only outside the domain", tol);
  }
  if (n == 0) return AMPFIT_OK;
  ampfit_input_dim(m, &d);
  if (n > ((size_t)-1) / sizeof(double) / d) return amp_fail(AMPFIT_ERR_ARGUMENT, "ampfit_eval_fallback: n = %zu is too large", n);
  sigma = malloc(n * sizeof *sigma);
  idx = malloc(n * sizeof *idx);
  if (sigma == NULL || idx == NULL) { free(sigma); free(idx); return amp_fail(AMPFIT_ERR_MEMORY, "ampfit_eval_fallback: cannot allocate %zu points' workspace", n); }
  st = ampfit_eval(m, x, n, out, sigma);
  if (st != AMPFIT_OK && st != AMPFIT_ERR_DOMAIN) { free(sigma); free(idx); return st; }
  for (i = 0; i < n; i++) if (!isfinite(out[i]) || (gate && !(sigma[i] <= tol * fabs(out[i])))) idx[k++] = i;
  free(sigma);
  if (fallback_fraction != NULL) *fallback_fraction = (double)k / (double)n;
  if (k > 0) {
    xg = malloc(k * d * sizeof *xg);
    og = malloc(k * sizeof *og);
    if (xg == NULL || og == NULL) { free(xg); free(og); free(idx); return amp_fail(AMPFIT_ERR_MEMORY, "ampfit_eval_fallback: cannot gather %zu points", k); }
    for (i = 0; i < k; i++) memcpy(xg + i * d, x + idx[i] * d, d * sizeof *xg);
    rc = exact_fn(xg, k, og, user);
    for (i = 0; i < k; i++) out[idx[i]] = rc == 0 ? og[i] : NAN;
    free(xg);
    free(og);
    if (rc != 0) {
      free(idx);
      return amp_fail(AMPFIT_ERR_CALLBACK, "ampfit_eval_fallback: the exact function returned %d for %zu of %zu points (their values are NaN)", rc, k, n);
    }
  }
  free(idx);
  amp_clear_error();
  return AMPFIT_OK;
}
