/* Physics inputs (issue 20, item 3): four-momenta in, the amplitude out.
 *
 * A momentum-input model reads the momenta itself (its momentumFeatures op).
 * A coordinate model trained on the zz data sets declares, in its config's
 * data.momentum_map, which hypercube its x1..xD are; here the built-in map of
 * the 2 -> V V -> 4 leptons topology turns the six momenta back into those
 * coordinates (the data card's "Coordinate mapping", /work/shared/data/README.md),
 * as src/data/momentumMap.ts does in TypeScript. A Born-normalised model's
 * ratio is multiplied by the caller's Born value. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

#define NONE ((size_t)-1)
/* Points mapped per pass: bounds the call's workspace whatever n is. */
#define CHUNK 256
/* The JSON header follows the file's 32-byte prefix (model.c PREFIX); amp_json offsets count from there. */
#define HEADER_AT 32

/* The data card's constants. */
#define MZ 91.1876
#define ZZ_RTS_MAX 3000.0
#define ZZ2_RTS_MAX 1000.0
#define ZZ_M_LO 50.0
#define ZZ_M_SPAN 80.0
/* Relative tolerance of the physics checks: momentum conservation per
 * component and |p_i^2| of each massless particle (relative to sqrt(s), s),
 * zz4l-2d's fixed masses (relative to m_Z); the default of data.momenta.tolerance.
 * Coordinates within EDGE outside the box are put on its edge (rounding). */
#define TOLERANCE 1e-6
#define EDGE 1e-12

static const struct { const char *name; int dim; } MAPS[] = {
  {"zz4l-8d", 8}, {"zz4l-4d", 4}, {"zz4l-2d", 2},
};
static const char *ZZ_PARTICLES = "[\"u\",\"ubar\",\"e-\",\"e+\",\"mu-\",\"mu+\"]";

static double dot3(const double *a, const double *b) { return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]; }

static void cross(const double *a, const double *b, double *out) {
  out[0] = a[1] * b[2] - a[2] * b[1];
  out[1] = a[2] * b[0] - a[0] * b[2];
  out[2] = a[0] * b[1] - a[1] * b[0];
}

/* Boost of (E, p) into the frame where (Q0, Q) is at rest; rts = sqrt(Q^2). */
static void to_rest(const double *v, const double *Q, double rts, double *out) {
  const double b2 = dot3(Q + 1, Q + 1) / (Q[0] * Q[0]);
  const double g = Q[0] / rts;
  const double bp = dot3(Q + 1, v + 1) / Q[0];
  const double c = (g - 1) * bp / b2 - g * v[0];
  int k;
  out[0] = g * (v[0] - bp);
  for (k = 1; k < 4; k++) out[k] = v[k] + c * Q[k] / Q[0];
}

static double unit_coordinate(double v) {
  if (v < 0 && v >= -EDGE) return 0.0;
  if (v > 1 && v <= 1 + EDGE) return 1.0;
  return v;
}

/* Decay angles of the fermion of a pair (f, fb) in its boson's rest frame,
 * axes (ex, ey, n): with massless back-to-back leptons there, D = (f - fb)/2
 * boosts to the CM frame with D.n = (E/2) cos(theta), its transverse part
 * unchanged, so neither angle needs the (precision-losing) boost back. */
static void decay_angles(const double *f, const double *fb, const double *n, const double *ex, const double *ey, double *xc, double *xphi) {
  double D[3], phi, u;
  int k;
  for (k = 0; k < 3; k++) D[k] = 0.5 * (f[k + 1] - fb[k + 1]);
  *xc = unit_coordinate((2 * dot3(D, n) / (f[0] + fb[0]) + 1) / 2);
  phi = atan2(dot3(D, ey), dot3(D, ex));
  u = phi / (2 * 3.14159265358979323846);
  *xphi = u < 0 ? u + 1 : u;
}

int amp_zz4l_map(int map, const double *p, double *x, char *why, size_t why_size) {
  static const char *names[6] = {"u", "ubar", "e-", "e+", "mu-", "mu+"}, *comps[4] = {"E", "px", "py", "pz"};
  double Q[4], out[4], c[6][4], s, rts, Z1[4], Z2[4], m34, m56, pz, n1[3], n2[3], b[3], y1[3], y2[3], ex[3], len;
  int i, k;
  for (i = 0; i < 24; i++) {
    if (!isfinite(p[i])) { snprintf(why, why_size, "%s_%s is not finite", names[i / 4], comps[i % 4]); return AMPFIT_POINT_NOT_FINITE; }
  }
  for (i = 0; i < 6; i++) if (!(p[4 * i] > 0)) { snprintf(why, why_size, "the energy of %s, %g GeV, is not positive", names[i], p[4 * i]); return AMPFIT_POINT_BAD_MOMENTA; }
  for (k = 0; k < 4; k++) {
    Q[k] = p[k] + p[4 + k];
    out[k] = p[8 + k] + p[12 + k] + p[16 + k] + p[20 + k];
  }
  s = Q[0] * Q[0] - dot3(Q + 1, Q + 1);
  if (!(s > 0)) { snprintf(why, why_size, "s-hat = (u + ubar)^2 = %g GeV^2 is not positive", s); return AMPFIT_POINT_BAD_MOMENTA; }
  rts = sqrt(s);
  for (k = 0; k < 4; k++) {
    if (!(fabs(Q[k] - out[k]) <= TOLERANCE * rts)) {
      snprintf(why, why_size, "momentum not conserved: component %d of incoming - outgoing is %g GeV, more than %g x sqrt(s) = %g GeV", k, Q[k] - out[k], TOLERANCE, rts);
      return AMPFIT_POINT_BAD_MOMENTA;
    }
  }
  for (i = 0; i < 6; i++) {
    const double m2 = p[4 * i] * p[4 * i] - dot3(p + 4 * i + 1, p + 4 * i + 1);
    if (!(fabs(m2) <= TOLERANCE * s)) { snprintf(why, why_size, "%s is not massless: p^2 = %g GeV^2, more than %g x s", names[i], m2, TOLERANCE); return AMPFIT_POINT_BAD_MOMENTA; }
  }
  /* The partonic CM frame; momenta given there are used as they are (bit for bit). */
  for (i = 0; i < 6; i++) {
    if (Q[1] == 0 && Q[2] == 0 && Q[3] == 0) memcpy(c[i], p + 4 * i, sizeof c[i]);
    else to_rest(p + 4 * i, Q, rts, c[i]);
  }
  for (k = 0; k < 4; k++) {
    Z1[k] = c[2][k] + c[3][k];
    Z2[k] = c[4][k] + c[5][k];
  }
  m34 = sqrt(fmax(Z1[0] * Z1[0] - dot3(Z1 + 1, Z1 + 1), 0.0));
  m56 = sqrt(fmax(Z2[0] * Z2[0] - dot3(Z2 + 1, Z2 + 1), 0.0));
  pz = sqrt(dot3(Z1 + 1, Z1 + 1));
  len = sqrt(dot3(c[0] + 1, c[0] + 1));
  if (!(pz > 0) || !(len > 0)) { snprintf(why, why_size, "the Z1 (e- e+) or the u has no momentum in the partonic CM frame: no direction"); return AMPFIT_POINT_BAD_MOMENTA; }
  for (k = 0; k < 3; k++) {
    n1[k] = Z1[k + 1] / pz;
    n2[k] = -n1[k];
    b[k] = c[0][k + 1] / len;
  }
  if (map == 2) {
    /* zz2d: both masses fixed at m_Z; x1 from sqrt(s) in [2 m_Z, 1000 GeV]. */
    if (!(fabs(m34 - MZ) <= TOLERANCE * MZ && fabs(m56 - MZ) <= TOLERANCE * MZ)) {
      snprintf(why, why_size, "zz4l-2d has on-shell bosons: m34 = %.9g GeV and m56 = %.9g GeV must both be m_Z = %g GeV (to %g relative)", m34, m56, MZ, TOLERANCE);
      return AMPFIT_POINT_BAD_MOMENTA;
    }
    x[0] = unit_coordinate((rts - 2 * MZ) / (ZZ2_RTS_MAX - 2 * MZ));
  } else {
    x[0] = unit_coordinate((rts - (m34 + m56)) / ((ZZ_RTS_MAX - m34) - m56));
    x[2] = unit_coordinate((m34 - ZZ_M_LO) / ZZ_M_SPAN);
    x[3] = unit_coordinate((m56 - ZZ_M_LO) / ZZ_M_SPAN);
  }
  x[1] = unit_coordinate((dot3(n1, b) + 1) / 2);
  if (map != 0) return AMPFIT_POINT_OK;
  /* Rest-frame axes: z_k = n_k, y_k = beam x n_k / |...|, x_k = y_k x z_k (y2 = -y1, x2 = x1). */
  cross(b, n1, y1);
  len = sqrt(dot3(y1, y1));
  if (!(len > 0)) { snprintf(why, why_size, "the Z1 flies along the beam: the decay azimuths are undefined"); return AMPFIT_POINT_BAD_MOMENTA; }
  for (k = 0; k < 3; k++) {
    y1[k] /= len;
    y2[k] = -y1[k];
  }
  cross(y1, n1, ex);
  decay_angles(c[2], c[3], n1, ex, y1, &x[4], &x[5]);
  decay_angles(c[4], c[5], n2, ex, y2, &x[6], &x[7]);
  return AMPFIT_POINT_OK;
}

/* Extends the handle's info JSON (its last byte is '}') with the physics keys. */
static int append_info(ampfit_model *m, const char *extra) {
  const size_t n = strlen(m->info), e = strlen(extra);
  char *info = realloc(m->info, n + e + 1);
  if (info == NULL) return amp_fail(AMPFIT_ERR_MEMORY, "out of memory");
  memcpy(info + n - 1, extra, e);
  info[n - 1 + e] = '}';
  info[n + e] = '\0';
  m->info = info;
  return AMPFIT_OK;
}

int amp_physics_load(ampfit_model *m, const char *src) {
  const amp_json *data = amp_json_get(amp_json_get(m->header, "config"), "data");
  const amp_json *map = amp_json_get(data, "momentum_map"), *born = amp_json_get(amp_json_get(m->header, "target"), "born");
  const amp_json *parts = amp_json_get(amp_json_get(data, "momenta"), "particles");
  char *extra;
  size_t k, at, cap = 128 + (born != NULL ? born->end - born->start : 0) + (parts != NULL ? parts->end - parts->start : 0);
  int st;
  m->momentum_map = -1;
  m->n_particles = 0;
  m->born_ratio = born != NULL && born->type == AMP_JSTR;
  if (map != NULL && map->type != AMP_JNULL) {
    if (map->type != AMP_JSTR) return amp_fail(AMPFIT_ERR_FORMAT, "model %s: config data.momentum_map is not a name", src);
    for (k = 0; k < sizeof MAPS / sizeof MAPS[0]; k++) if (strcmp(map->str, MAPS[k].name) == 0) m->momentum_map = (int)k;
    if (m->momentum_map < 0) {
      return amp_fail(AMPFIT_ERR_UNSUPPORTED, "model %s: momentum map '%s' is unknown to libampfit %s (it knows zz4l-8d, zz4l-4d, zz4l-2d)", src, map->str, ampfit_version());
    }
    if (m->input_kind != 0 || m->dim != (size_t)MAPS[m->momentum_map].dim) {
      return amp_fail(AMPFIT_ERR_FORMAT, "model %s: momentum map %s gives %d coordinates; the model reads %zu %s", src, map->str, MAPS[m->momentum_map].dim, m->dim,
                      m->input_kind != 0 ? "momenta" : "coordinates");
    }
    for (k = 0; k < m->dim; k++) {
      char want[24];
      snprintf(want, sizeof want, "x%zu", k + 1);
      if (strcmp(m->names[k], want) != 0) return amp_fail(AMPFIT_ERR_FORMAT, "model %s: momentum map %s gives x1..x%zu; input %zu is '%s'", src, map->str, m->dim, k + 1, m->names[k]);
    }
    m->n_particles = 6;
  } else if (m->input_kind == 1) {
    m->n_particles = m->dim / 4;
  }
  extra = malloc(cap);
  if (extra == NULL) return amp_fail(AMPFIT_ERR_MEMORY, "out of memory");
  /* "particles": the names, in the order momenta are given (a momentum model's from its config). */
  if (m->momentum_map >= 0) {
    at = (size_t)snprintf(extra, cap, ",\"momentum_map\":\"%s\",\"particles\":%s", MAPS[m->momentum_map].name, ZZ_PARTICLES);
  } else if (m->input_kind == 1 && parts != NULL && parts->type == AMP_JARR) {
    at = (size_t)snprintf(extra, cap, ",\"momentum_map\":null,\"particles\":[");
    for (k = 0; k < parts->n; k++) {
      const amp_json *name = amp_json_get(&parts->items[k], "name");
      if (name == NULL || name->type != AMP_JSTR) { free(extra); return amp_fail(AMPFIT_ERR_FORMAT, "model %s: config data.momenta particle %zu has no name", src, k); }
      at += (size_t)snprintf(extra + at, cap - at, "%s%.*s", k == 0 ? "" : ",", (int)(name->end - name->start), (const char *)m->bytes + HEADER_AT + name->start);
    }
    at += (size_t)snprintf(extra + at, cap - at, "]");
  } else {
    at = (size_t)snprintf(extra, cap, ",\"momentum_map\":null,\"particles\":null");
  }
  if (m->born_ratio) snprintf(extra + at, cap - at, ",\"born\":%.*s", (int)(born->end - born->start), (const char *)m->bytes + HEADER_AT + born->start);
  else snprintf(extra + at, cap - at, ",\"born\":null");
  st = append_info(m, extra);
  free(extra);
  return st;
}

int ampfit_n_particles(const ampfit_model *m, size_t *n) {
  if (m == NULL || n == NULL) return amp_fail(AMPFIT_ERR_ARGUMENT, "ampfit_n_particles: NULL argument");
  if (m->n_particles == 0) {
    return amp_fail(AMPFIT_ERR_UNSUPPORTED, "ampfit_n_particles: this model reads coordinates x1..x%zu and declares no momentum map (config data.momentum_map)", m->dim);
  }
  *n = m->n_particles;
  return AMPFIT_OK;
}

/* The first coordinate outside the box, for the message. */
static void box_reason(const ampfit_model *m, const double *x, char *why, size_t why_size) {
  size_t j;
  for (j = 0; j < m->dim; j++) {
    if (m->lo != NULL && !(x[j] >= m->lo[j] && x[j] <= m->hi[j])) {
      snprintf(why, why_size, "the momenta map to %s = %.17g, outside the trained range [%g, %g]", m->names[j], x[j], m->lo[j], m->hi[j]);
      return;
    }
  }
  snprintf(why, why_size, "%s", ampfit_point_strerror(AMPFIT_POINT_OUTSIDE));
}

/* Coordinates of the momenta, evaluated chunk by chunk; bad points NaN. */
static int eval_mapped(const ampfit_model *m, const double *p, size_t n, double *out, double *sigma) {
  double x[CHUNK * 8], xg[CHUNK * 8], og[CHUNK], sg[CHUNK];
  int codes[CHUNK];
  size_t i0, bad = 0, first = NONE, d = m->dim;
  char why[512] = "", first_why[512] = "";
  for (i0 = 0; i0 < n; i0 += CHUNK) {
    const size_t nc = n - i0 < CHUNK ? n - i0 : CHUNK;
    size_t i, ng = 0, g;
    int st;
    for (i = 0; i < nc; i++) {
      codes[i] = amp_zz4l_map(m->momentum_map, p + (i0 + i) * 24, x + i * d, why, sizeof why);
      if (codes[i] == AMPFIT_POINT_OK) {
        st = ampfit_check(m, x + i * d, 1, &codes[i]);
        if (st != AMPFIT_OK) return st;
        if (codes[i] != AMPFIT_POINT_OK && bad == 0) box_reason(m, x + i * d, why, sizeof why);
      }
      if (codes[i] != AMPFIT_POINT_OK) {
        if (bad++ == 0) { first = i0 + i; memcpy(first_why, why, sizeof why); }
        continue;
      }
      memcpy(xg + ng * d, x + i * d, d * sizeof *x);
      ng++;
    }
    st = ampfit_eval(m, xg, ng, og, sigma == NULL ? NULL : sg);
    if (st != AMPFIT_OK) return st;
    for (i = 0, g = 0; i < nc; i++) {
      const int ok = codes[i] == AMPFIT_POINT_OK;
      out[i0 + i] = ok ? og[g] : NAN;
      if (sigma != NULL) sigma[i0 + i] = ok ? sg[g] : NAN;
      g += ok;
    }
  }
  if (bad > 0) {
    return amp_fail(AMPFIT_ERR_DOMAIN, "ampfit_eval_momenta: %zu of %zu points are outside the model's domain (NaN); the first, point %zu: %s", bad, n, first, first_why);
  }
  return AMPFIT_OK;
}

int ampfit_eval_momenta(const ampfit_model *m, const double *p, size_t n, const double *born, double *out, double *sigma) {
  size_t i;
  int st;
  if (m == NULL || out == NULL || (p == NULL && n > 0)) return amp_fail(AMPFIT_ERR_ARGUMENT, "ampfit_eval_momenta: NULL argument");
  if (m->n_particles == 0) return ampfit_n_particles(m, &i);
  if (m->born_ratio && born == NULL && n > 0) {
    return amp_fail(AMPFIT_ERR_ARGUMENT, "ampfit_eval_momenta: this model regresses a ratio to the Born: pass the Born value of each point (born is NULL)");
  }
  if (n > ((size_t)-1) / sizeof(double) / 4 / m->n_particles) return amp_fail(AMPFIT_ERR_ARGUMENT, "ampfit_eval_momenta: n = %zu is too large", n);
  st = m->momentum_map >= 0 ? eval_mapped(m, p, n, out, sigma) : ampfit_eval(m, p, n, out, sigma);
  if (st != AMPFIT_OK && st != AMPFIT_ERR_DOMAIN) return st;
  if (m->born_ratio) {
    for (i = 0; i < n; i++) {
      out[i] *= born[i];
      if (sigma != NULL) sigma[i] *= fabs(born[i]);
    }
  }
  return st;
}
