/* The multivector ops of L-GATr models for one row each, in the evaluation
 * order src/graph/ops.ts states (src/nn/lgatr, statement for statement, as
 * the C exporter src/export/c/multivector.ts). Value (a, t, c) of a buffer
 * of T tokens x C channels sits at (a * T + t) * C + c. */
#include <math.h>
#include <stdlib.h>
#include "internal.h"

void amp_mv_embed(const amp_mv *v, const double *x, double *y) {
  const size_t T = v->tokens, C = v->cin;
  size_t i, t;
  int mu;
  for (i = 0; i < 16 * T * C; i++) y[i] = 0.0;
  for (t = 0; t < T; t++) {
    for (mu = 0; mu < 4; mu++) y[((size_t)v->blades[mu] * T + t) * C] = x[4 * t + (size_t)mu];
    y[t * C + 1 + (size_t)v->class_of[t]] = 1.0;
  }
}

void amp_mv_linear(const amp_mv *v, const double *w, const double *x, const double *res, double *y, double *scratch) {
  const size_t T = v->tokens, cin = v->cin, cout = v->cout, block = cin * cout;
  double *acc = scratch, *dacc = scratch + cout;
  size_t a, t, i, o;
  for (a = 0; a < 16; a++) {
    const double *wg = w + (size_t)v->grade[a] * block, *wd = w + (size_t)(9 - v->grade[a]) * block;
    for (t = 0; t < T; t++) {
      const double *xa = x + (a * T + t) * cin, *xd = x + ((a ^ 15) * T + t) * cin;
      double *ya = y + (a * T + t) * cout;
      for (o = 0; o < cout; o++) acc[o] = dacc[o] = 0.0;
      for (i = 0; i < cin; i++) {
        const double xi = xa[i], di = xd[i];
        for (o = 0; o < cout; o++) {
          acc[o] += xi * wg[i * cout + o];
          dacc[o] += di * wd[i * cout + o];
        }
      }
      for (o = 0; o < cout; o++) {
        double s = v->sign[a] * dacc[o] + acc[o];
        if (a == 0) s += w[10 * block + o];
        ya[o] = res == NULL ? s : s + res[(a * T + t) * cout + o];
      }
    }
  }
}

void amp_mv_norm(const amp_mv *v, const double *x, double *y, double *scratch) {
  const size_t T = v->tokens, C = v->cin, TC = T * C;
  double *sq = scratch, *inv = scratch + TC;
  size_t a, i, t, c;
  for (i = 0; i < TC; i++) sq[i] = 0.0;
  for (a = 0; a < 16; a++) for (i = 0; i < TC; i++) sq[i] += v->sign[a] * x[a * TC + i] * x[a * TC + i];
  for (t = 0; t < T; t++) {
    double s = 0.0;
    for (c = 0; c < C; c++) s += fabs(sq[t * C + c]);
    inv[t] = 1 / sqrt(s / (double)C + v->eps);
  }
  for (a = 0; a < 16; a++) for (t = 0; t < T; t++) for (c = 0; c < C; c++) y[(a * T + t) * C + c] = x[(a * T + t) * C + c] * inv[t];
}

void amp_mv_bilinear(const amp_mv *v, const double *x, const double *y, double *z) {
  const size_t TC = v->tokens * v->cin;
  size_t k, i;
  for (i = 0; i < 16 * TC; i++) z[i] = 0.0;
  for (k = 0; k < v->n_terms; k++) {
    const double s = v->t_sign[k], *xa = x + v->t_left[k] * TC, *yb = y + v->t_right[k] * TC;
    double *zo = z + v->t_out[k] * TC;
    for (i = 0; i < TC; i++) zo[i] += s * xa[i] * yb[i];
  }
}

void amp_mv_attention(const amp_mv *v, const double *q, const double *k, const double *val, double *o, double *scratch) {
  const size_t T = v->tokens, H = v->heads, Ch = v->head_ch, W = v->cin;
  double *att = scratch;
  size_t a, h, i, j, c;
  for (i = 0; i < H * T * T; i++) att[i] = 0.0;
  for (a = 0; a < 16; a++) {
    const double s = v->sign[a] * v->scale;
    for (h = 0; h < H; h++) {
      for (i = 0; i < T; i++) {
        const double *qi = q + (a * T + i) * W + h * Ch;
        for (j = 0; j < T; j++) {
          const double *kj = k + (a * T + j) * W + h * Ch;
          double d = 0.0;
          for (c = 0; c < Ch; c++) d += qi[c] * kj[c];
          att[(h * T + i) * T + j] += s * d;
        }
      }
    }
  }
  for (i = 0; i < H * T; i++) {
    double *row = att + i * T, max = -INFINITY, sum = 0.0;
    for (j = 0; j < T; j++) max = (row[j] > max || row[j] != row[j]) ? row[j] : max;
    for (j = 0; j < T; j++) {
      row[j] = exp(row[j] - max);
      sum += row[j];
    }
    for (j = 0; j < T; j++) row[j] /= sum;
  }
  for (i = 0; i < 16 * T * W; i++) o[i] = 0.0;
  for (a = 0; a < 16; a++) {
    for (h = 0; h < H; h++) {
      for (i = 0; i < T; i++) {
        double *oi = o + (a * T + i) * W + h * Ch;
        for (j = 0; j < T; j++) {
          const double w = att[(h * T + i) * T + j], *vj = val + (a * T + j) * W + h * Ch;
          for (c = 0; c < Ch; c++) oi[c] += w * vj[c];
        }
      }
    }
  }
}

void amp_mv_readout(const amp_mv *v, const double *x, double *y) {
  const size_t T = v->tokens, K = v->cin;
  size_t o, t;
  for (o = 0; o < K; o++) {
    double acc = 0.0;
    for (t = 0; t < T; t++) acc += x[t * K + o];
    y[o] = acc / (double)T;
  }
}

void amp_mv_free(amp_mv *v) {
  free(v->class_of);
  free(v->t_left);
  free(v->t_right);
  free(v->t_out);
  free(v->t_sign);
  v->class_of = NULL;
  v->t_left = v->t_right = v->t_out = NULL;
  v->t_sign = NULL;
}
