/* Evaluating a loaded model: points in blocks of BLOCK rows, every op of the
 * graph over the block in list order, in float64 and in the evaluation order
 * src/graph/ops.ts states (the arithmetic of the C exporter,
 * src/export/c/ (every file), statement for statement), so results agree with
 * `ampfit predict` to rounding. The handle is never written after load: the
 * workspace is on the stack for small calls and otherwise a per-thread
 * buffer kept between calls, so threads share one handle without locks and a
 * call does not allocate. Compile with -ffp-contract=off: a fused
 * multiply-add would change the roundings. */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <pthread.h>
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

/* activate() over n values, the switch outside the loop (in may equal out). */
static void activate_all(int code, double p, const double *in, double *out, size_t n) {
  size_t i;
#define EACH(expr) for (i = 0; i < n; i++) { const double v = in[i]; out[i] = (expr); } break
  switch (code) {
    case ACT_RELU: EACH(v < 0 ? 0.0 : v);
    case ACT_LEAKY: EACH(v > 0 ? v : p * v);
    case ACT_ELU: EACH(v > 0 ? v : p * expm1(v));
    case ACT_SOFTPLUS: EACH((v > 0 ? v : 0.0) + log1p(exp(-fabs(v))));
    case ACT_GELU: EACH(0.5 * v * amp_erfc(-v * 0.70710678118654752440));
    case ACT_SILU: EACH(activate(ACT_SILU, p, v));
    case ACT_TANH: EACH(tanh(v));
    default: if (in != out) memcpy(out, in, n * sizeof *out); break;
  }
#undef EACH
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
    case OP_DENSE: {
      /* A fused activation writes the next op's buffer; those not done in registers run here, on the block still in cache. */
      const int act = op->fused_act < 0 ? ACT_LINEAR : op->fused_act;
      double *y = B[op->output];
      amp_dense(op, B[op->input], win, op->aux == NONE ? NULL : B[op->aux], y, nb, amp_dense_in_register(act) ? act : ACT_LINEAR);
      if (!amp_dense_in_register(act)) activate_all(act, op->fused_param, y, y, nb * op->n_out);
      break;
    }
    case OP_ACTIVATION:
      if (!op->skip) activate_all(op->act, op->param, B[op->input], B[op->output], nb * win);
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
    case OP_LOG_EDGES:
      for (r = 0; r < nb; r++) {
        for (j = 0; j < win; j++) {
          const double x = B[op->input][r * win + j], u = 1 - x;
          B[op->output][r * wout + 2 * j] = log(x > op->lo ? x : op->lo) + 1;
          B[op->output][r * wout + 2 * j + 1] = log(u > op->lo ? u : op->lo) + 1;
        }
      }
      break;
    case OP_ANGULAR:
      for (r = 0; r < nb; r++) B[op->output][r] = amp_angular_row(&op->ang, B[op->input] + r * win, B[op->aux] + r * W[op->aux], scratch);
      break;
    case OP_MV_EMBED:
      for (r = 0; r < nb; r++) amp_mv_embed(&op->mv, B[op->input] + r * win, B[op->output] + r * wout);
      break;
    case OP_MV_LINEAR:
      for (r = 0; r < nb; r++) {
        amp_mv_linear(&op->mv, op->w, B[op->input] + r * win, op->aux == NONE ? NULL : B[op->aux] + r * wout, B[op->output] + r * wout, scratch);
      }
      break;
    case OP_MV_NORM:
      for (r = 0; r < nb; r++) amp_mv_norm(&op->mv, B[op->input] + r * win, B[op->output] + r * wout, scratch);
      break;
    case OP_MV_GATE: {
      /* Every component times act(its channel's scalar part), as src/nn/lgatr/ops.ts gateForward. */
      const size_t tc = win / 16;
      for (r = 0; r < nb; r++) {
        const double *x = B[op->input] + r * win;
        double *y = B[op->output] + r * wout;
        for (i = 0; i < tc; i++) {
          const double g = activate(op->act, op->param, x[i]);
          for (k = 0; k < 16; k++) y[k * tc + i] = g * x[k * tc + i];
        }
      }
      break;
    }
    case OP_MV_BILINEAR:
      for (r = 0; r < nb; r++) amp_mv_bilinear(&op->mv, B[op->input] + r * win, B[op->aux] + r * win, B[op->output] + r * wout);
      break;
    case OP_MV_ATTENTION:
      for (r = 0; r < nb; r++) amp_mv_attention(&op->mv, B[op->input] + r * win, B[op->aux] + r * win, B[op->aux2] + r * win, B[op->output] + r * wout, scratch);
      break;
    case OP_MV_READOUT:
      for (r = 0; r < nb; r++) amp_mv_readout(&op->mv, B[op->input] + r * win, B[op->output] + r * wout);
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

/* The buffers op reads (reading) or writes, through visit(b, ctx). */
static void op_buffers(const amp_op *op, int reading, void (*visit)(size_t, size_t, void *), size_t k, void *ctx) {
  size_t j;
  if (!reading) {
    if (op->kind == OP_ORBIT) for (j = 0; j < op->n_list; j++) visit(op->list[j], k, ctx);
    else visit(op->output, k, ctx);
    return;
  }
  if (op->kind == OP_CONCAT || op->kind == OP_MEAN) {
    for (j = 0; j < op->n_list; j++) visit(op->list[j], k, ctx);
    return;
  }
  visit(op->input, k, ctx);
  if (op->aux != NONE) visit(op->aux, k, ctx);
  if (op->aux2 != NONE) visit(op->aux2, k, ctx);
}

/* Per-row scratch doubles of a multivector op (multivector.c). */
static size_t mv_scratch(const amp_op *op) {
  switch (op->kind) {
    case OP_MV_LINEAR: return 2 * op->mv.cout;
    case OP_MV_NORM: return op->mv.tokens * (op->mv.cin + 1);
    case OP_MV_ATTENTION: return op->mv.heads * op->mv.tokens * op->mv.tokens;
    default: return 0;
  }
}

typedef struct {
  size_t *last;    /* per buffer: the last op reading it */
  size_t *readers; /* per buffer: how many ops read it */
  size_t *slot;    /* per buffer: its slot */
  size_t *slot_w;  /* per slot: width */
  unsigned char *slot_free;
  size_t n_slots;
  const size_t *widths;
} planner;

static void note_read(size_t b, size_t k, void *ctx) {
  planner *p = ctx;
  p->last[b] = k;
  p->readers[b]++;
}

/* A slot for buffer b: the free one that fits best, else the widest free one widened, else a new one. */
static void take_slot(size_t b, size_t k, void *ctx) {
  planner *p = ctx;
  const size_t w = p->widths[b];
  size_t s, best = NONE, widest = NONE;
  (void)k;
  for (s = 0; s < p->n_slots; s++) {
    if (!p->slot_free[s]) continue;
    if (p->slot_w[s] >= w && (best == NONE || p->slot_w[s] < p->slot_w[best])) best = s;
    if (widest == NONE || p->slot_w[s] > p->slot_w[widest]) widest = s;
  }
  if (best == NONE) best = widest;
  if (best == NONE) {
    best = p->n_slots++;
    p->slot_w[best] = 0;
  }
  if (p->slot_w[best] < w) p->slot_w[best] = w;
  p->slot_free[best] = 0;
  p->slot[b] = best;
}

static void release_slot(size_t b, size_t k, void *ctx) {
  planner *p = ctx;
  if ((p->last[b] == k || p->last[b] == NONE) && b != 0) p->slot_free[p->slot[b]] = 1;
}

void amp_plan_free(ampfit_model *m) {
  size_t k;
  if (m->ops != NULL) for (k = 0; k < m->n_ops; k++) amp_dense_free(&m->ops[k]);
  free(m->buf_off);
  m->buf_off = NULL;
}

int amp_plan(ampfit_model *m) {
  const size_t nb = m->n_bufs;
  planner p;
  size_t k, b, at = 0;
  int st = AMPFIT_OK;
  memset(&p, 0, sizeof p);
  p.widths = m->widths;
  p.last = calloc(nb, sizeof *p.last);
  p.readers = calloc(nb, sizeof *p.readers);
  p.slot = calloc(nb, sizeof *p.slot);
  p.slot_w = calloc(nb, sizeof *p.slot_w);
  p.slot_free = calloc(nb, 1);
  m->buf_off = calloc(nb, sizeof *m->buf_off);
  if (p.last == NULL || p.readers == NULL || p.slot == NULL || p.slot_w == NULL || p.slot_free == NULL || m->buf_off == NULL) {
    st = amp_fail(AMPFIT_ERR_MEMORY, "out of memory");
    goto done;
  }
  for (b = 0; b < nb; b++) p.last[b] = NONE;
  for (k = 0; k < m->n_ops; k++) {
    m->ops[k].fused_act = -1;
    op_buffers(&m->ops[k], 1, note_read, k, &p);
  }
  /* The graph's outputs live to the end. */
  p.last[m->out_value] = m->n_ops;
  if (m->out_sigma != NONE) p.last[m->out_sigma] = m->n_ops;
  /* dense then an activation that alone reads its sum: one op writing the activation's buffer. */
  for (k = 0; k + 1 < m->n_ops; k++) {
    amp_op *d = &m->ops[k], *a = &m->ops[k + 1];
    if (d->kind == OP_DENSE && a->kind == OP_ACTIVATION && a->input == d->output && p.readers[d->output] == 1 && p.last[d->output] == k + 1) {
      d->fused_act = a->act;
      d->fused_param = a->param;
      d->output = a->output;
      a->skip = 1;
    }
  }
  for (k = 0; k < m->n_ops; k++) {
    amp_op *op = &m->ops[k];
    if (op->skip) continue;
    if (op->kind == OP_DENSE && (st = amp_dense_pack(op)) != AMPFIT_OK) {
      st = amp_fail(st, "out of memory");
      goto done;
    }
    /* Outputs first, then the inputs read for the last time are freed: an op never writes over what it reads. */
    op_buffers(op, 0, take_slot, k, &p);
    op_buffers(op, 0, release_slot, k, &p); /* written but never read */
    op_buffers(op, 1, release_slot, k, &p);
    if (op->kind == OP_LEGENDRE && op->n_in * ((size_t)op->degree + 1) > m->scratch) m->scratch = op->n_in * ((size_t)op->degree + 1);
    if (op->kind == OP_ANGULAR && amp_angular_scratch(&op->ang) > m->scratch) m->scratch = amp_angular_scratch(&op->ang);
    if (mv_scratch(op) > m->scratch) m->scratch = mv_scratch(op);
    if ((op->kind == OP_ORBIT || op->kind == OP_FOLD) && 3 * (op->width + (size_t)op->group.elements) > m->scratch) {
      /* doubles for the coordinates, ints for the signs and the order (an int fits in a double's space) */
      m->scratch = 3 * (op->width + (size_t)op->group.elements);
    }
  }
  {
    size_t *slot_off = p.last; /* reused: the reads are planned */
    for (k = 0; k < p.n_slots; k++) {
      slot_off[k] = at;
      at += p.slot_w[k];
    }
    for (b = 1; b < nb; b++) m->buf_off[b] = slot_off[p.slot[b]];
  }
  m->row_doubles = at;
done:
  free(p.last);
  free(p.readers);
  free(p.slot);
  free(p.slot_w);
  free(p.slot_free);
  return st;
}

/* The per-thread workspace of calls too large for the stack: kept between calls, freed when the thread ends. */
static pthread_key_t arena_key;
static pthread_once_t arena_once = PTHREAD_ONCE_INIT;
static int arena_ok;
static _Thread_local double *arena;
static _Thread_local size_t arena_cap;

static void arena_init(void) { arena_ok = pthread_key_create(&arena_key, free) == 0; }

/* After the library is unloaded no thread-exit destructor may point into it (the buffers then leak instead). */
__attribute__((destructor)) static void arena_fini(void) {
  if (arena_ok) pthread_key_delete(arena_key);
}

static double *arena_get(size_t n) {
  void *p = NULL;
  if (n <= arena_cap) return arena;
  pthread_once(&arena_once, arena_init);
  if (posix_memalign(&p, 64, n * sizeof(double)) != 0) return NULL;
  free(arena);
  arena = p;
  arena_cap = n;
  if (arena_ok) pthread_setspecific(arena_key, p);
  return arena;
}

#define STACK_DOUBLES 4096

int ampfit_eval(const ampfit_model *m, const double *x, size_t n, double *out, double *sigma) {
  double **B, *work, *scratch;
  double stack[STACK_DOUBLES] __attribute__((aligned(64)));
  int *iscratch, codes[BLOCK];
  size_t bad = 0, first_bad = NONE, b0, b, k, need, ptrs;
  int first_code = 0;
  if (m == NULL || out == NULL || (x == NULL && n > 0)) return amp_fail(AMPFIT_ERR_ARGUMENT, "ampfit_eval: NULL argument");
  if (n > ((size_t)-1) / sizeof(double) / m->dim) return amp_fail(AMPFIT_ERR_ARGUMENT, "ampfit_eval: n = %zu is too large", n);
  if (n == 0) return AMPFIT_OK;
  /* Only as many rows as the call has points: a single point must not touch a whole block's buffers. */
  const size_t rows = n < BLOCK ? n : BLOCK;
  ptrs = (m->n_bufs * sizeof(double *) + sizeof(double) - 1) / sizeof(double);
  need = ptrs + m->row_doubles * rows + 2 * m->scratch + 8;
  work = need <= STACK_DOUBLES ? stack : arena_get(need);
  if (work == NULL) return amp_fail(AMPFIT_ERR_MEMORY, "ampfit_eval: cannot allocate its workspace");
  B = (double **)(void *)work;
  scratch = work + ptrs + m->row_doubles * rows;
  iscratch = (int *)(void *)(scratch + m->scratch);
  for (b = 1; b < m->n_bufs; b++) B[b] = work + ptrs + m->buf_off[b] * rows;
  for (b0 = 0; b0 < n; b0 += BLOCK) {
    const size_t nb = n - b0 < BLOCK ? n - b0 : BLOCK;
    size_t r;
    B[0] = (double *)(x + b0 * m->dim); /* read only: no op writes buffer 0 (checked at load) */
    for (r = 0; r < nb; r++) codes[r] = box_code(m, x + (b0 + r) * m->dim);
    for (k = 0; k < m->n_ops; k++) if (!m->ops[k].skip) run_op(m, &m->ops[k], B, nb, codes, scratch, iscratch);
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
  if (bad > 0) {
    return amp_fail(AMPFIT_ERR_DOMAIN, "ampfit_eval: %zu of %zu points are outside the model's domain (NaN); the first, point %zu: %s", bad, n,
                    first_bad, ampfit_point_strerror(first_code));
  }
  return AMPFIT_OK;
}
