/* The BLHA entry points (include/ampfit_blha.h, openloops.h's signatures).
 * BLHA keeps its state in the library (a generator calls OLP_Start once and
 * then only passes subprocess ids), so this file holds the one global of
 * libampfit: the contract read by OLP_Start, read-only afterwards. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include "ampfit_blha.h"
#include "blha.h"

static blha_state state;
static int started;

static const blha_proc *find(int id) {
  size_t lo = 0, hi = state.n_procs;
  while (lo < hi) {
    const size_t mid = lo + (hi - lo) / 2;
    if (state.procs[mid].id == id) return &state.procs[mid];
    if (state.procs[mid].id < id) lo = mid + 1;
    else hi = mid;
  }
  return NULL;
}

static const blha_param *param(const char *name) {
  size_t k;
  for (k = 0; k < state.n_params; k++)
    if (strcasecmp(state.params[k].name, name) == 0) return &state.params[k];
  return NULL;
}

static int same(double a, double b) { return fabs(a - b) <= 1e-12 * fmax(fabs(a), fabs(b)); }

static int n_rval(const blha_proc *p) { return p == NULL || p->type == BLHA_LOOP ? 4 : 1; }

/* One phase-space point: 0 on success, else a status with the message set and rval, acc NaN. */
static int eval_point(int id, const double *pp, double mu, const double *alphas, double *rval, double *acc) {
  const blha_proc *p = started ? find(id) : NULL;
  double q[4 * BLHA_MAX_PARTICLES], x[4 * BLHA_MAX_PARTICLES], value, sigma, born = NAN;
  const blha_param *as;
  size_t i, d;
  int k, st;
  if (rval == NULL || pp == NULL) return amp_fail(AMPFIT_ERR_ARGUMENT, "OLP_EvalSubProcess: NULL momenta or result");
  if (p == NULL) {
    /* Without a subprocess its rval's length is unknown: BLHA2's shortest is 1. */
    rval[0] = NAN;
    if (acc != NULL) *acc = NAN;
    return started ? amp_fail(AMPFIT_ERR_ARGUMENT, "OLP_EvalSubProcess: no subprocess has id %d in the contract", id)
                   : amp_fail(AMPFIT_ERR_ARGUMENT, "OLP_EvalSubProcess before a successful OLP_Start");
  }
  for (k = 0; k < n_rval(p); k++) rval[k] = NAN;
  if (acc != NULL) *acc = NAN;
  if (p->scale > 0 && !same(mu, p->scale))
    return amp_fail(AMPFIT_ERR_DOMAIN, "subprocess %d: mu = %.17g GeV, the surrogate was trained at AmpfitScale %.17g GeV", id, mu, p->scale);
  if (alphas != NULL && (as = param("alpha_s")) != NULL && !same(*alphas, as->value))
    return amp_fail(AMPFIT_ERR_DOMAIN, "subprocess %d: alpha_s = %.17g, the surrogate was trained at %.17g", id, *alphas, as->value);
  d = 4 * (size_t)p->n_particles;
  /* BLHA's (E, px, py, pz, m) per particle → ampfit's (E, px, py, pz); the mass is implied by the momentum. */
  for (i = 0; i < (size_t)p->n_particles; i++) memcpy(q + 4 * i, pp + 5 * i, 4 * sizeof *q);
  if (p->born != NULL && (st = ampfit_eval_momenta(p->born, q, 1, NULL, &born, NULL)) != AMPFIT_OK) return st;
  if (p->src != NULL)
    for (i = 0; i < d; i++) x[i] = q[p->src[i]];
  st = ampfit_eval_momenta(p->model, p->src != NULL ? x : q, 1, p->ratio ? &born : NULL, &value, &sigma);
  if (st != AMPFIT_OK) return st;
  value *= p->factor;
  sigma *= fabs(p->factor);
  if (p->type == BLHA_LOOP) {
    /* The surrogate is the finite part; it learned no poles. */
    rval[0] = 0;
    rval[1] = 0;
    rval[2] = value;
    rval[3] = born;
  } else {
    rval[0] = value;
  }
  if (acc != NULL) *acc = sigma / fabs(value);
  return AMPFIT_OK;
}

void OLP_Start(const char *contract, int *ierr) {
  int st;
  ampfit_blha_finish();
  if (contract == NULL) {
    amp_fail(AMPFIT_ERR_ARGUMENT, "OLP_Start: NULL contract file name");
    if (ierr != NULL) *ierr = 0;
    return;
  }
  st = blha_read_contract(contract, &state);
  if (st != AMPFIT_OK) blha_state_free(&state);
  else amp_clear_error();
  started = st == AMPFIT_OK;
  if (ierr != NULL) *ierr = started;
}

void OLP_Info(char olp_name[15], char olp_version[15], char message[255]) {
  if (olp_name != NULL) snprintf(olp_name, 15, "ampfit");
  if (olp_version != NULL) snprintf(olp_version, 15, "%s", ampfit_version());
  if (message != NULL) snprintf(message, 255, "ampfit surrogate amplitudes (libampfit %s): learned float64 regressors of amplitude data, with a learned uncertainty in acc", ampfit_version());
}

void OLP_SetParameter(const char *name, const double *re, const double *im, int *ierr) {
  const blha_param *p;
  int r;
  if (name == NULL || re == NULL) {
    amp_fail(AMPFIT_ERR_ARGUMENT, "OLP_SetParameter: NULL name or value");
    r = 0;
  } else if ((p = param(name)) == NULL) {
    r = 2;
  } else if (!same(*re, p->value) || (im != NULL && *im != 0)) {
    amp_fail(AMPFIT_ERR_ARGUMENT, "OLP_SetParameter: %s = %.17g%s, the surrogate was trained at %.17g (AmpfitParameter in the contract)", name, *re,
             im != NULL && *im != 0 ? " with an imaginary part" : "", p->value);
    r = 0;
  } else {
    r = 1;
  }
  if (ierr != NULL) *ierr = r;
}

void OLP_EvalSubProcess2(const int *id, const double *pp, const double *mu, double *rval, double *acc) {
  if (id == NULL || mu == NULL) {
    amp_fail(AMPFIT_ERR_ARGUMENT, "OLP_EvalSubProcess2: NULL id or mu");
    if (rval != NULL) rval[0] = NAN;
    if (acc != NULL) *acc = NAN;
    return;
  }
  eval_point(*id, pp, *mu, NULL, rval, acc);
}

void OLP_EvalSubProcess(int id, double *pp, double mu, double *alphas, double *rval) {
  eval_point(id, pp, mu, alphas, rval, NULL);
}

void ampfit_blha_finish(void) {
  blha_state_free(&state);
  started = 0;
}
