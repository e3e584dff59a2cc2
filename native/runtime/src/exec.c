/* Evaluating a loaded model: points in blocks of BLOCK rows, every op of the
 * graph over the block in list order, in float64 and in the evaluation order
 * src/graph/ops.ts states (the arithmetic of the C exporter,
 * src/export/c/ (every file), statement for statement), so results agree with
 * `ampfit predict` to rounding. The handle is never written: each call
 * allocates its own workspace, so threads may share one handle. Compile
 * with -ffp-contract=off: a fused multiply-add would change the roundings. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "internal.h"

#define BLOCK 64
#define NONE ((size_t)-1)

/* W. J. Cody's erfc (CALERF), statement for statement as src/kernels/activations.ts. */
static const double EA[5] = {3.16112374387056560e00, 1.13864154151050156e02, 3.77485237685302021e02, 3.20937758913846947e03, 1.85777706184603153e-1};
static const double EB[4] = {2.36012909523441209e01, 2.44024637934444173e02, 1.28261652607737228e03, 2.84423683343917062e03};
static const double EC[9] = {5.64188496988670089e-1, 8.88314979438837594e00, 6.61191906371416295e01, 2.98635138197400131e02, 8.81952221241769090e02,
                             1.71204761263407058e03, 2.05107837782607147e03, 1.23033935479799725e03, 2.15311535474403846e-8};
static const double ED[8] = {1.57449261107098347e01, 1.17693950891312499e02, 5.37181101862009858e02, 1.62138957456669019e03,
                             3.29079923573345963e03, 4.36261909014324716e03, 3.43936767414372164e03, 1.23033935480374942e03};
static const double EP[6] = {3.05326634961232344e-1, 3.60344899949804439e-1, 1.25781726111229246e-1, 1.60837851487422766e-2, 6.58749161529837803e-4, 1.63153871373020978e-2};
static const double EQ[5] = {2.56852019228982242e00, 1.87295284992346047e00, 5.27905102951428412e-1, 6.05183413124413191e-2, 2.33520497626869185e-3};
static const double SQRPI = 5.6418958354775628695e-1;

static double amp_erfc(double x) {
  const double y = fabs(x);
  double xnum, xden, r, yc, t, del;
  int i;
  if (y <= 0.46875) {
    const double ysq = x * x;
    xnum = EA[4] * ysq;
    xden = ysq;
    for (i = 0; i < 3; i++) {
      xnum = (xnum + EA[i]) * ysq;
      xden = (xden + EB[i]) * ysq;
    }
    return 1 - (x * (xnum + EA[3])) / (xden + EB[3]);
  }
  yc = y > 30 ? 30 : y;
  if (yc <= 4) {
    xnum = EC[8] * yc;
    xden = yc;
    for (i = 0; i < 7; i++) {
      xnum = (xnum + EC[i]) * yc;
      xden = (xden + ED[i]) * yc;
    }
    r = (xnum + EC[7]) / (xden + ED[7]);
  } else {
    const double ysq = 1 / (yc * yc);
    xnum = EP[5] * ysq;
    xden = ysq;
    for (i = 0; i < 4; i++) {
      xnum = (xnum + EP[i]) * ysq;
      xden = (xden + EQ[i]) * ysq;
    }
    r = (ysq * (xnum + EP[4])) / (xden + EQ[4]);
    r = (SQRPI - r) / yc;
  }
  t = trunc(yc * 16) / 16;
  del = (yc - t) * (yc + t);
  r = exp(-t * t) * exp(-del) * r;
  return x < 0 ? 2 - r : r;
}

static double activate(int code, double p, double v) {
  switch (code) {
    case ACT_RELU: return v < 0 ? 0.0 : v;
    case ACT_LEAKY: return v > 0 ? v : p * v;
    case ACT_ELU: return v > 0 ? v : p * expm1(v);
    case ACT_SOFTPLUS: return (v > 0 ? v : 0.0) + log1p(exp(-fabs(v)));
    case ACT_GELU: return 0.5 * v * amp_erfc(-v * 0.70710678118654752440);
    case ACT_SILU: {
      const double e = exp(-fabs(v));
      return v * (v >= 0 ? 1 / (1 + e) : e / (1 + e));
    }
    case ACT_TANH: return tanh(v);
    default: return v;
  }
}

/* TargetTransform.inverseValue (src/export/c/functions.ts inverseTransformC). */
double amp_inverse(const amp_transform *t, double v) {
  const double a = v * t->scale + t->shift;
  switch (t->kind) {
    case TR_LOG: case TR_LOG_STANDARDIZE: return exp(a);
    case TR_ASINH: return t->unit * sinh(a);
    default: return a;
  }
}

/* |dy/dt| at physical value y (inverseSlopeC). */
static double inverse_slope(const amp_transform *t, double y) {
  switch (t->kind) {
    case TR_LOG: case TR_LOG_STANDARDIZE: return fabs(t->scale * y);
    case TR_ASINH: return fabs(t->scale * hypot(t->unit, y));
    default: return fabs(t->scale);
  }
}

static double pair(const double *a, const double *b) {
  const double e = a[0] + b[0], px = a[1] + b[1], py = a[2] + b[2], pz = a[3] + b[3];
  return e * e - px * px - py * py - pz * pz;
}

int amp_momenta_row(const amp_momenta *m, const double *p, double *f) {
  const int nP = m->n_particles, nIn = m->incoming;
  double total[4] = {0.0, 0.0, 0.0, 0.0}, incoming[4] = {0.0, 0.0, 0.0, 0.0}, shat, limit;
  int i, j, c, k;
  for (i = 0; i < nP; i++) if (!(p[4 * i] > 0)) return 1;
  for (i = 0; i < nP; i++) {
    for (c = 0; c < 4; c++) {
      total[c] += (i < nIn ? 1.0 : -1.0) * p[4 * i + c];
      if (i < nIn) incoming[c] += p[4 * i + c];
    }
  }
  shat = incoming[0] * incoming[0] - incoming[1] * incoming[1] - incoming[2] * incoming[2] - incoming[3] * incoming[3];
  if (!(shat > 0)) return 2;
  limit = m->tolerance * sqrt(shat);
  for (c = 0; c < 4; c++) if (!(fabs(total[c]) <= limit)) return 3;
  if (m->features != 0) {
    const int base = m->features == 2 ? 4 * nP : 0;
    k = 0;
    for (i = 0; i < nP; i++) {
      for (j = i + 1; j < nP; j++, k++) {
        const double s = pair(p + 4 * i, p + 4 * j);
        if (!(s > 0)) return 4;
        if (f != NULL) f[base + k] = (log(s) - m->shift[k]) / m->scale[k];
      }
    }
  }
  if (f != NULL && m->features != 1) for (i = 0; i < 4 * nP; i++) f[i] = p[i] * m->inv_scale;
  return 0;
}

/* Symmetry groups as src/export/c/symmetry.ts: each reflectable coordinate as (m, s). */
static void group_load(const amp_group *g, size_t d, const double *x, double *m, int *s) {
  size_t j;
  for (j = 0; j < d; j++) {
    const double v = x[j];
    if (g->reflectable[j]) {
      const double r = 1.0 - v;
      m[j] = v > r ? v : r;
      s[j] = m[j] == 0.5 ? 0 : (v > 0.5 ? 1 : -1);
    } else {
      m[j] = v;
      s[j] = 0;
    }
  }
}

static int group_compare(const amp_group *g, size_t d, int a, int b, const double *m, const int *s) {
  size_t j;
  for (j = 0; j < d; j++) {
    const int32_t ja = g->src[(size_t)a * d + j], jb = g->src[(size_t)b * d + j];
    const double ma = m[ja], mb = m[jb];
    int sa, sb;
    if (ma != mb) return ma > mb ? 1 : -1;
    sa = g->reflect[(size_t)a * d + j] ? -s[ja] : s[ja];
    sb = g->reflect[(size_t)b * d + j] ? -s[jb] : s[jb];
    if (sa != sb) return sa > sb ? 1 : -1;
  }
  return 0;
}

static void group_image(const amp_group *g, size_t d, int k, const double *m, const int *s, double *out) {
  size_t j;
  for (j = 0; j < d; j++) {
    const int32_t src = g->src[(size_t)k * d + j];
    const int sk = g->reflect[(size_t)k * d + j] ? -s[src] : s[src];
    out[j] = sk >= 0 ? m[src] : 1.0 - m[src];
  }
}

/* One op over rows [0, nb) of the block; B[b] is buffer b, row r at B[b] + r * width[b]. */
static void run_op(const ampfit_model *mod, const amp_op *op, double **B, size_t nb, int *codes, double *scratch, int *iscratch) {
  const size_t *W = mod->widths;
  const size_t win = W[op->input], wout = op->kind == OP_ORBIT ? 0 : W[op->output];
  size_t r, i, j, k;
  switch (op->kind) {
    case OP_DENSE:
      for (r = 0; r < nb; r++) {
        const double *x = B[op->input] + r * win;
        /* restrict: z never overlaps the weights, so the j loop vectorises; each z[j] still sums over i in order, as predict does. */
        double *restrict z = B[op->output] + r * wout;
        for (j = 0; j < op->n_out; j++) z[j] = 0.0;
        for (i = 0; i < op->n_in; i++) {
          const double xi = x[i];
          const double *restrict wi = op->w + i * op->n_out;
          for (j = 0; j < op->n_out; j++) z[j] += xi * wi[j];
        }
        if (op->b != NULL) for (j = 0; j < op->n_out; j++) z[j] = z[j] + op->b[j];
        if (op->aux != NONE) {
          const double *res = B[op->aux] + r * wout;
          for (j = 0; j < op->n_out; j++) z[j] = z[j] + res[j];
        }
      }
      break;
    case OP_ACTIVATION:
      for (i = 0; i < nb * win; i++) B[op->output][i] = activate(op->act, op->param, B[op->input][i]);
      break;
    case OP_RATIONAL: {
      const size_t per = win / (size_t)op->groups, nc = (size_t)(op->deg_p + 1 + op->deg_q);
      for (r = 0; r < nb; r++) {
        for (k = 0; k < win; k++) {
          const double *a = op->w + (k / per) * nc;
          const double v = B[op->input][r * win + k], av = fabs(v);
          double p = a[op->deg_p], q = 1.0, pw = av;
          int jj, kk;
          for (jj = op->deg_p - 1; jj >= 0; jj--) p = p * v + a[jj];
          for (kk = 1; kk <= op->deg_q; kk++) {
            q += fabs(a[op->deg_p + kk]) * pw;
            pw *= av;
          }
          B[op->output][r * win + k] = p / q;
        }
      }
      break;
    }
    case OP_KAN: {
      /* src/export/c/functions.ts kanFunction, with h = (hi - lo)/grid as ampfit computes it. */
      const size_t per = (size_t)op->grid + 4;
      const double lo = op->lo, h = (op->hi - op->lo) / op->grid;
      for (r = 0; r < nb; r++) {
        double *out = B[op->output] + r * wout;
        for (k = 0; k < wout; k++) out[k] = 0.0;
        for (k = 0; k < op->n_in; k++) {
          const double v = B[op->input][r * win + k];
          const double ev = exp(-fabs(v));
          double t, s, s2, s3, u, fj;
          int jj, m;
          double *o = out + k * per;
          o[0] = v * (v >= 0 ? 1 / (1 + ev) : ev / (1 + ev));
          t = (v - lo) / h;
          fj = floor(t);
          if (!(fj >= -3 && fj <= op->grid + 2)) continue; /* beyond the extended grid, or NaN */
          jj = (int)fj;
          s = t - fj;
          s2 = s * s;
          s3 = s2 * s;
          u = 1 - s;
          m = 1 + jj;
          if (jj >= 0) o[m] = (u * u * u) / 6;
          if (jj >= -1 && jj + 1 <= op->grid + 2) o[m + 1] = (3 * s3 - 6 * s2 + 4) / 6;
          if (jj >= -2 && jj + 2 <= op->grid + 2) o[m + 2] = (-3 * s3 + 3 * s2 + 3 * s + 1) / 6;
          if (jj + 3 <= op->grid + 2) o[m + 3] = s3 / 6;
        }
      }
      break;
    }
    case OP_GATHER:
      for (r = 0; r < nb; r++) for (j = 0; j < wout; j++) B[op->output][r * wout + j] = B[op->input][r * win + op->list[j]];
      break;
    case OP_CONCAT:
      for (r = 0; r < nb; r++) {
        size_t at = 0;
        for (k = 0; k < op->n_list; k++) {
          const size_t b = op->list[k];
          memcpy(B[op->output] + r * wout + at, B[b] + r * W[b], W[b] * sizeof(double));
          at += W[b];
        }
      }
      break;
    case OP_MOMENTA:
      for (r = 0; r < nb; r++) {
        double *f = B[op->output] + r * wout;
        const int st = amp_momenta_row(&op->mom, B[op->input] + r * win, f);
        if (st != 0) {
          /* The row's value will be NaN; NaN features keep every later op defined. */
          for (j = 0; j < wout; j++) f[j] = NAN;
          if (codes[r] == AMPFIT_POINT_OK) codes[r] = AMPFIT_POINT_BAD_MOMENTA;
        }
      }
      break;
    case OP_LEGENDRE: {
      /* src/export/c/functions.ts legendreFunction: scratch holds P_k(2x_j - 1), d x (degree + 1). */
      const size_t d = win, deg = (size_t)op->degree;
      for (r = 0; r < nb; r++) {
        const double *x = B[op->input] + r * win;
        double s = 0;
        for (j = 0; j < d; j++) {
          const double u = 2 * x[j] - 1;
          double *p = scratch + j * (deg + 1);
          p[0] = 1;
          if (deg >= 1) p[1] = u;
          for (k = 2; k <= deg; k++) p[k] = ((double)(2 * k - 1) * u * p[k - 1] - (double)(k - 1) * p[k - 2]) / (double)k;
        }
        for (k = 0; k < op->n_out; k++) {
          double v = 1;
          const uint8_t *e = op->terms + k * d;
          for (j = 0; j < d; j++) if (e[j] != 0) v *= scratch[j * (deg + 1) + e[j]];
          s += v * op->w[k];
        }
        B[op->output][r] = s;
      }
      break;
    }
    case OP_FOREST:
      /* Base score first, then tree after tree; left iff (float)x < threshold (NaN goes right). */
      for (r = 0; r < nb; r++) {
        const double *x = B[op->input] + r * win;
        double s = op->base;
        size_t t;
        for (t = 0; t < op->n_trees; t++) {
          const int32_t off = op->tree_offset[t];
          int32_t node = off;
          while (op->left[node] >= 0) node = off + op->left[node] + ((float)x[op->feature[node]] < op->threshold[node] ? 0 : 1);
          s += op->value[node];
        }
        B[op->output][r] = s;
      }
      break;
    case OP_MEAN: {
      const double K = (double)op->n_list;
      for (r = 0; r < nb; r++) {
        for (i = 0; i < wout; i++) {
          double acc = 0.0;
          for (k = 0; k < op->n_list; k++) {
            const double v = B[op->list[k]][r * wout + i];
            acc += op->sum_then_divide ? v : v / K;
          }
          B[op->output][r * wout + i] = op->sum_then_divide ? acc / K : acc;
        }
      }
      break;
    }
    case OP_ORBIT: {
      /* Every image, largest first (insertion sort as src/export/c/symmetry.ts orbitC). */
      const size_t d = win;
      const int G = op->group.elements;
      int *sd = iscratch, *order = iscratch + d;
      for (r = 0; r < nb; r++) {
        int kk, rr;
        group_load(&op->group, d, B[op->input] + r * d, scratch, sd);
        for (kk = 0; kk < G; kk++) {
          for (rr = kk; rr > 0 && group_compare(&op->group, d, kk, order[rr - 1], scratch, sd) > 0; rr--) order[rr] = order[rr - 1];
          order[rr] = kk;
        }
        for (rr = 0; rr < G; rr++) group_image(&op->group, d, order[rr], scratch, sd, B[op->list[rr]] + r * d);
      }
      break;
    }
    case OP_FOLD: {
      const size_t d = win;
      int *sd = iscratch;
      for (r = 0; r < nb; r++) {
        int kk, best = 0;
        group_load(&op->group, d, B[op->input] + r * d, scratch, sd);
        for (kk = 1; kk < op->group.elements; kk++) if (group_compare(&op->group, d, kk, best, scratch, sd) > 0) best = kk;
        group_image(&op->group, d, best, scratch, sd, B[op->output] + r * d);
      }
      break;
    }
    case OP_VARIANCE:
      for (i = 0; i < nb * win; i++) {
        const double v = B[op->input][i];
        B[op->output][i] = exp(v < op->lo ? op->lo : (v > op->hi ? op->hi : v));
      }
      break;
    case OP_INVERSE:
      for (r = 0; r < nb; r++) B[op->output][r] = amp_inverse(&op->tr, B[op->input][r]);
      break;
    case OP_SIGMA:
      for (r = 0; r < nb; r++) B[op->output][r] = op->param * sqrt(B[op->input][r]) * inverse_slope(&op->tr, B[op->aux][r]);
      break;
    case OP_PERIODIC:
      for (r = 0; r < nb; r++) {
        for (j = 0; j < win; j++) {
          /* (2π·x)/P with 2π the double 2·Math.PI, as src/features/angular.ts. */
          const double a = (6.283185307179586 * B[op->input][r * win + j]) / op->periods[j];
          B[op->output][r * wout + 2 * j] = cos(a);
          B[op->output][r * wout + 2 * j + 1] = sin(a);
        }
      }
      break;
    default:
      break;
  }
}

/* Per-point domain code without the momentum checks (those run with the features). */
static int box_code(const ampfit_model *m, const double *x) {
  size_t j;
  for (j = 0; j < m->dim; j++) if (!isfinite(x[j])) return AMPFIT_POINT_NOT_FINITE;
  if (m->lo != NULL) for (j = 0; j < m->dim; j++) if (!(x[j] >= m->lo[j] && x[j] <= m->hi[j])) return AMPFIT_POINT_OUTSIDE;
  return AMPFIT_POINT_OK;
}

int ampfit_check(const ampfit_model *m, const double *x, size_t n, int *codes) {
  size_t i;
  if (m == NULL || codes == NULL || (x == NULL && n > 0)) return amp_fail(AMPFIT_ERR_ARGUMENT, "ampfit_check: NULL argument");
  if (n > ((size_t)-1) / sizeof(double) / m->dim) return amp_fail(AMPFIT_ERR_ARGUMENT, "ampfit_check: n = %zu is too large", n);
  for (i = 0; i < n; i++) {
    const double *row = x + i * m->dim;
    codes[i] = box_code(m, row);
    if (codes[i] == AMPFIT_POINT_OK && m->momenta_check != NULL && amp_momenta_row(&m->momenta_check->mom, row, NULL) != 0) codes[i] = AMPFIT_POINT_BAD_MOMENTA;
  }
  return AMPFIT_OK;
}

int ampfit_eval(const ampfit_model *m, const double *x, size_t n, double *out, double *sigma) {
  double **B;
  double *work, *scratch;
  int *iscratch, codes[BLOCK];
  size_t b, total = 0, b0, bad = 0, first_bad = NONE, max_w = 1, k;
  int first_code = 0;
  if (m == NULL || out == NULL || (x == NULL && n > 0)) return amp_fail(AMPFIT_ERR_ARGUMENT, "ampfit_eval: NULL argument");
  if (n > ((size_t)-1) / sizeof(double) / m->dim) return amp_fail(AMPFIT_ERR_ARGUMENT, "ampfit_eval: n = %zu is too large", n);
  if (n == 0) return AMPFIT_OK;
  /* Workspace per call: up to BLOCK rows of every buffer but the input (no slot reuse: models are small next to
   * the block). Only as many rows as the call has points: a single point must not allocate (and fault in) a
   * whole block's buffers. */
  const size_t rows = n < BLOCK ? n : BLOCK;
  for (b = 1; b < m->n_bufs; b++) total += m->widths[b];
  for (b = 0; b < m->n_bufs; b++) if (m->widths[b] > max_w) max_w = m->widths[b];
  for (k = 0; k < m->n_ops; k++) {
    /* Legendre's table of P_k per coordinate. */
    if (m->ops[k].kind == OP_LEGENDRE) {
      const size_t need = m->ops[k].n_in * ((size_t)m->ops[k].degree + 1);
      if (need > max_w) max_w = need;
    }
    if (m->ops[k].kind == OP_ORBIT && (size_t)m->ops[k].group.elements > max_w) max_w = (size_t)m->ops[k].group.elements;
  }
  B = malloc(m->n_bufs * sizeof *B);
  work = malloc((total * rows + max_w) * sizeof *work);
  iscratch = malloc(2 * max_w * sizeof *iscratch);
  if (B == NULL || work == NULL || iscratch == NULL) {
    free(B); free(work); free(iscratch);
    return amp_fail(AMPFIT_ERR_MEMORY, "ampfit_eval: cannot allocate its workspace");
  }
  scratch = work + total * rows;
  {
    size_t at = 0;
    for (b = 1; b < m->n_bufs; b++) {
      B[b] = work + at;
      at += m->widths[b] * rows;
    }
  }
  for (b0 = 0; b0 < n; b0 += BLOCK) {
    const size_t nb = n - b0 < BLOCK ? n - b0 : BLOCK;
    size_t r;
    B[0] = (double *)(x + b0 * m->dim); /* read only: no op writes buffer 0 (checked at load) */
    for (r = 0; r < nb; r++) codes[r] = box_code(m, x + (b0 + r) * m->dim);
    for (k = 0; k < m->n_ops; k++) run_op(m, &m->ops[k], B, nb, codes, scratch, iscratch);
    for (r = 0; r < nb; r++) {
      if (codes[r] != AMPFIT_POINT_OK) {
        out[b0 + r] = NAN;
        if (sigma != NULL) sigma[b0 + r] = NAN;
        if (bad++ == 0) { first_bad = b0 + r; first_code = codes[r]; }
        continue;
      }
      out[b0 + r] = B[m->out_value][r];
      if (sigma != NULL) sigma[b0 + r] = m->out_sigma == NONE ? NAN : B[m->out_sigma][r];
    }
  }
  free(B);
  free(work);
  free(iscratch);
  if (bad > 0) {
    return amp_fail(AMPFIT_ERR_DOMAIN, "ampfit_eval: %zu of %zu points are outside the model's domain (NaN); the first, point %zu: %s", bad, n,
                    first_bad, ampfit_point_strerror(first_code));
  }
  return AMPFIT_OK;
}
