/* L-GATr's multivector ops (mv.h). Loops follow the TypeScript reference's
 * summation order where it is cheap to (the bilinear terms, the norm's and
 * the logits' sums over blades), so the two agree to a few ulps; the linear
 * map fuses the reference's 32 GEMMs into one pass over each token. */
#include "kernels/mv.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/activations.h"

#define GRADES 5

/* The dual block of the weights that acts on blade a's partner a^15. */
static long dual_block(const af_mv_algebra *g, int a) { return GRADES + 4 - g->grade[a]; }

/* The inner loops keep a token's outputs in registers; the width is passed as
 * a constant for the common ones (switch_width) so the compiler can. */
#define AF_MV_INLINE static inline __attribute__((always_inline))

AF_MV_INLINE void linear_forward_w(const af_mv_algebra *g, long cin, const long cout,
                                   const double *w, const double *x, long R, long lo, long hi,
                                   double *y) {
  const long blk = cin * cout;
  const double *bias = w + 2 * GRADES * blk;
  for (int a = 0; a < AF_MV; a++) {
    const double *wa = w + g->grade[a] * blk;
    const double *wd = w + dual_block(g, a) * blk;
    const double s = g->dual[a];
    const double *xa = x + (long)a * R * cin;
    const double *xb = x + (long)(a ^ 15) * R * cin;
    double *ya = y + (long)a * R * cout;
    for (long r = lo; r < hi; r++) {
      const double *xr = xa + r * cin, *xd = xb + r * cin;
      double acc[cout];
      for (long o = 0; o < cout; o++) acc[o] = 0.0;
      for (long i = 0; i < cin; i++) {
        const double xi = xr[i];
        const double *wi = wa + i * cout;
        for (long o = 0; o < cout; o++) acc[o] += xi * wi[o];
      }
      for (long i = 0; i < cin; i++) {
        const double xi = s * xd[i];
        const double *wi = wd + i * cout;
        for (long o = 0; o < cout; o++) acc[o] += xi * wi[o];
      }
      if (a == 0)
        for (long o = 0; o < cout; o++) acc[o] += bias[o];
      double *yr = ya + r * cout;
      for (long o = 0; o < cout; o++) yr[o] = acc[o];
    }
  }
}

/* Calls F(..., width, ...) with the width a compile-time constant when it is 1, 2, 4, 8 or 16. */
#define SWITCH_WIDTH(F, width, ...)      \
  switch (width) {                       \
    case 1: F(1, __VA_ARGS__); break;    \
    case 2: F(2, __VA_ARGS__); break;    \
    case 4: F(4, __VA_ARGS__); break;    \
    case 8: F(8, __VA_ARGS__); break;    \
    case 16: F(16, __VA_ARGS__); break;  \
    default: F(width, __VA_ARGS__); break; \
  }

#define CALL_FWD(W, g, cin, w, x, R, lo, hi, y) linear_forward_w(g, cin, W, w, x, R, lo, hi, y)

void af_mv_linear_forward(const af_mv_algebra *g, long cin, long cout, const double *w,
                          const double *x, long R, long lo, long hi, double *y) {
  SWITCH_WIDTH(CALL_FWD, cout, g, cin, w, x, R, lo, hi, y)
}

/* dx_a = dy_a W_grade(a)^T + s dy_b W_dual(b)^T: the same loop as the forward
 * on the transposed blocks (wt, 10 blocks of cout x cin), widths swapped. */
AF_MV_INLINE void linear_dx_w(const af_mv_algebra *g, const long cin, long cout,
                              const double *wt, const double *dy, long R, long lo, long hi,
                              double *dx) {
  const long blk = cin * cout;
  for (int a = 0; a < AF_MV; a++) {
    const int b = a ^ 15;
    const double *wa = wt + g->grade[a] * blk;
    const double *wd = wt + dual_block(g, b) * blk;
    const double s = g->dual[b];
    const double *dya = dy + (long)a * R * cout;
    const double *dyb = dy + (long)b * R * cout;
    double *dxa = dx + (long)a * R * cin;
    for (long r = lo; r < hi; r++) {
      const double *da = dya + r * cout, *db = dyb + r * cout;
      double u[cin], v[cin];
      for (long i = 0; i < cin; i++) u[i] = v[i] = 0.0;
      for (long o = 0; o < cout; o++) {
        const double d = da[o], e = db[o];
        const double *wi = wa + o * cin, *wj = wd + o * cin;
        for (long i = 0; i < cin; i++) {
          u[i] += d * wi[i];
          v[i] += e * wj[i];
        }
      }
      double *xr = dxa + r * cin;
      for (long i = 0; i < cin; i++) xr[i] = u[i] + s * v[i];
    }
  }
}

#define CALL_DX(W, g, cout, wt, dy, R, lo, hi, dx) linear_dx_w(g, W, cout, wt, dy, R, lo, hi, dx)

void af_mv_linear_backward_dx(const af_mv_algebra *g, long cin, long cout, const double *w,
                              const double *dy, long R, long lo, long hi, double *dx) {
  const long blk = cin * cout;
  double stack[2048];
  double *wt = 2 * GRADES * blk <= 2048 ? stack : malloc((size_t)(2 * GRADES * blk) * sizeof(double));
  if (wt == 0) { /* out of memory: make the result visibly unusable rather than stale */
    for (int a = 0; a < AF_MV; a++)
      for (long r = lo; r < hi; r++)
        for (long i = 0; i < cin; i++) dx[(long)a * R * cin + r * cin + i] = NAN;
    return;
  }
  for (long k = 0; k < 2 * GRADES; k++)
    for (long i = 0; i < cin; i++)
      for (long o = 0; o < cout; o++) wt[k * blk + o * cin + i] = w[k * blk + i * cout + o];
  SWITCH_WIDTH(CALL_DX, cin, g, cout, wt, dy, R, lo, hi, dx)
  if (wt != stack) free(wt);
}

AF_MV_INLINE void linear_dw_w(const af_mv_algebra *g, long cin, const long cout, const double *x,
                              const double *dy, long R, long klo, long khi, double *gw) {
  const long blk = cin * cout;
  for (long kk = klo; kk < khi; kk++) {
    const long k = kk / cin, i = kk % cin;
    double acc[cout];
    for (long o = 0; o < cout; o++) acc[o] = 0.0;
    for (int a = 0; a < AF_MV; a++) {
      /* Block k < 5 reads blade a itself when a has grade k; block k >= 5 reads
       * a's partner a^15, signed, for the blades a whose dual block it is. */
      const int direct = k < GRADES;
      if (direct ? g->grade[a] != k : dual_block(g, a) != k) continue;
      const double s = direct ? 1.0 : g->dual[a];
      const double *xa = x + (long)(direct ? a : a ^ 15) * R * cin + i;
      const double *dya = dy + (long)a * R * cout;
      for (long r = 0; r < R; r++) {
        const double xi = s * xa[r * cin];
        const double *d = dya + r * cout;
        for (long o = 0; o < cout; o++) acc[o] += xi * d[o];
      }
    }
    double *gi = gw + k * blk + i * cout;
    for (long o = 0; o < cout; o++) gi[o] += acc[o];
  }
  if (klo == 0 && khi > 0) {
    double acc[cout];
    for (long o = 0; o < cout; o++) acc[o] = 0.0;
    for (long r = 0; r < R; r++)
      for (long o = 0; o < cout; o++) acc[o] += dy[r * cout + o];
    double *gb = gw + 2 * GRADES * blk;
    for (long o = 0; o < cout; o++) gb[o] += acc[o];
  }
}

#define CALL_DW(W, g, cin, x, dy, R, klo, khi, gw) linear_dw_w(g, cin, W, x, dy, R, klo, khi, gw)

void af_mv_linear_backward_dw(const af_mv_algebra *g, long cin, long cout, const double *x,
                              const double *dy, long R, long klo, long khi, double *gw) {
  SWITCH_WIDTH(CALL_DW, cout, g, cin, x, dy, R, klo, khi, gw)
}

void af_mv_norm_forward(const af_mv_algebra *g, double eps, const double *x, long R, long c,
                        long lo, long hi, double *y, double *norm, double *sq) {
  const long plane = R * c;
  for (long r = lo; r < hi; r++) {
    double *q = sq + r * c;
    for (long k = 0; k < c; k++) q[k] = 0.0;
    for (int a = 0; a < AF_MV; a++) {
      const double *xa = x + a * plane + r * c;
      for (long k = 0; k < c; k++) q[k] += g->metric[a] * xa[k] * xa[k];
    }
    double s = 0.0;
    for (long k = 0; k < c; k++) s += fabs(q[k]);
    norm[r] = s / (double)c + eps;
    const double inv = 1.0 / sqrt(norm[r]);
    for (int a = 0; a < AF_MV; a++) {
      const double *xa = x + a * plane + r * c;
      double *ya = y + a * plane + r * c;
      for (long k = 0; k < c; k++) ya[k] = xa[k] * inv;
    }
  }
}

void af_mv_norm_backward(const af_mv_algebra *g, const double *x, long R, long c,
                         const double *norm, const double *sq, const double *dy, long lo,
                         long hi, double *dx, double *dot) {
  const long plane = R * c;
  for (long r = lo; r < hi; r++) {
    double d = 0.0;
    for (int a = 0; a < AF_MV; a++) {
      const double *xa = x + a * plane + r * c, *da = dy + a * plane + r * c;
      double s = 0.0;
      for (long k = 0; k < c; k++) s += da[k] * xa[k];
      d += s;
    }
    dot[r] = d;
    const double n = norm[r], inv = 1.0 / sqrt(n), coef = (d * inv) / (n * (double)c);
    const double *q = sq + r * c;
    for (int a = 0; a < AF_MV; a++) {
      const double *xa = x + a * plane + r * c, *da = dy + a * plane + r * c;
      double *xo = dx + a * plane + r * c;
      const double eta = g->metric[a];
      for (long k = 0; k < c; k++) {
        const double sgn = (double)((q[k] > 0.0) - (q[k] < 0.0));
        xo[k] = da[k] * inv - coef * sgn * eta * xa[k];
      }
    }
  }
}

/* Entries per gate block: the GELU values live on the stack. */
#define GATE_BLOCK 256

void af_mv_gate_forward(const double *x, long plane, long lo, long hi, double *y) {
  double gv[GATE_BLOCK];
  for (long i0 = lo; i0 < hi; i0 += GATE_BLOCK) {
    const long m = hi - i0 < GATE_BLOCK ? hi - i0 : GATE_BLOCK;
    af_act_forward(AF_ACT_GELU, 0.0, x + i0, gv, m);
    for (int a = 0; a < AF_MV; a++)
      for (long i = 0; i < m; i++) y[a * plane + i0 + i] = gv[i] * x[a * plane + i0 + i];
  }
}

void af_mv_gate_backward(const double *x, long plane, const double *dy, long lo, long hi,
                         double *dx) {
  double gv[GATE_BLOCK], dot[GATE_BLOCK];
  for (long i0 = lo; i0 < hi; i0 += GATE_BLOCK) {
    const long m = hi - i0 < GATE_BLOCK ? hi - i0 : GATE_BLOCK;
    af_act_forward(AF_ACT_GELU, 0.0, x + i0, gv, m);
    for (long i = 0; i < m; i++) dot[i] = 0.0;
    for (int a = 0; a < AF_MV; a++) {
      const double *xa = x + a * plane + i0, *da = dy + a * plane + i0;
      double *xo = dx + a * plane + i0;
      for (long i = 0; i < m; i++) {
        dot[i] += da[i] * xa[i];
        xo[i] = gv[i] * da[i];
      }
    }
    af_act_backward(AF_ACT_GELU, 0.0, x + i0, dot, dot, m);
    for (long i = 0; i < m; i++) dx[i0 + i] += dot[i];
  }
}

void af_mv_bilinear_forward(const af_mv_table *t, const double *x, const double *y, long plane,
                            long lo, long hi, double *z) {
  for (long i = lo; i < hi; i++) {
    double xv[AF_MV], yv[AF_MV], zv[AF_MV] = {0};
    for (int a = 0; a < AF_MV; a++) {
      xv[a] = x[a * plane + i];
      yv[a] = y[a * plane + i];
    }
    for (int k = 0; k < t->count; k++) zv[t->out[k]] += t->sign[k] * xv[t->left[k]] * yv[t->right[k]];
    for (int a = 0; a < AF_MV; a++) z[a * plane + i] = zv[a];
  }
}

void af_mv_bilinear_backward(const af_mv_table *t, const double *x, const double *y,
                             long plane, const double *dz, long lo, long hi, double *dx,
                             double *dy) {
  for (long i = lo; i < hi; i++) {
    double xv[AF_MV], yv[AF_MV], zv[AF_MV], gx[AF_MV] = {0}, gy[AF_MV] = {0};
    for (int a = 0; a < AF_MV; a++) {
      xv[a] = x[a * plane + i];
      yv[a] = y[a * plane + i];
      zv[a] = dz[a * plane + i];
    }
    for (int k = 0; k < t->count; k++) {
      const double d = t->sign[k] * zv[t->out[k]];
      gx[t->left[k]] += d * yv[t->right[k]];
      gy[t->right[k]] += d * xv[t->left[k]];
    }
    for (int a = 0; a < AF_MV; a++) {
      dx[a * plane + i] = gx[a];
      dy[a * plane + i] = gy[a];
    }
  }
}

/* Softmax over m logits in place, as the reference's softmaxInPlace. */
static void softmax(double *x, long m) {
  double max = -INFINITY, sum = 0.0;
  for (long j = 0; j < m; j++) max = x[j] > max ? x[j] : max;
  for (long j = 0; j < m; j++) {
    x[j] = exp(x[j] - max);
    sum += x[j];
  }
  for (long j = 0; j < m; j++) x[j] /= sum;
}

void af_mv_attention_forward(const af_mv_algebra *g, const af_mv_attention *s, const double *q,
                             const double *k, const double *v, long n, long lo, long hi,
                             double *att, double *o) {
  const long P = s->particles, H = s->heads, Ch = s->ch, W = H * Ch, plane = n * P * W;
  for (long pt = lo; pt < hi; pt++) {
    for (long h = 0; h < H; h++) {
      for (long i = 0; i < P; i++) {
        double *row = att + ((pt * H + h) * P + i) * P;
        for (long j = 0; j < P; j++) row[j] = 0.0;
        for (int a = 0; a < AF_MV; a++) {
          const double sc = g->metric[a] * s->scale;
          const double *qi = q + a * plane + (pt * P + i) * W + h * Ch;
          for (long j = 0; j < P; j++) {
            const double *kj = k + a * plane + (pt * P + j) * W + h * Ch;
            double d = 0.0;
            for (long c = 0; c < Ch; c++) d += qi[c] * kj[c];
            row[j] += sc * d;
          }
        }
        softmax(row, P);
        for (int a = 0; a < AF_MV; a++) {
          double *oi = o + a * plane + (pt * P + i) * W + h * Ch;
          for (long c = 0; c < Ch; c++) oi[c] = 0.0;
          for (long j = 0; j < P; j++) {
            const double w = row[j];
            const double *vj = v + a * plane + (pt * P + j) * W + h * Ch;
            for (long c = 0; c < Ch; c++) oi[c] += w * vj[c];
          }
        }
      }
    }
  }
}

void af_mv_attention_backward(const af_mv_algebra *g, const af_mv_attention *s,
                              const double *q, const double *k, const double *v, long n,
                              const double *att, const double *dout, long lo, long hi,
                              double *dq, double *dk, double *dv, double *datt) {
  const long P = s->particles, H = s->heads, Ch = s->ch, W = H * Ch, plane = n * P * W;
  for (long pt = lo; pt < hi; pt++) {
    for (int a = 0; a < AF_MV; a++) {
      const long t0 = a * plane + pt * P * W;
      memset(dq + t0, 0, (size_t)(P * W) * sizeof(double));
      memset(dk + t0, 0, (size_t)(P * W) * sizeof(double));
      memset(dv + t0, 0, (size_t)(P * W) * sizeof(double));
    }
    for (long h = 0; h < H; h++) {
      for (long i = 0; i < P; i++) {
        const double *arow = att + ((pt * H + h) * P + i) * P;
        double *drow = datt + ((pt * H + h) * P + i) * P;
        for (long j = 0; j < P; j++) drow[j] = 0.0;
        for (int a = 0; a < AF_MV; a++) {
          const double *oi = dout + a * plane + (pt * P + i) * W + h * Ch;
          for (long j = 0; j < P; j++) {
            const double *vj = v + a * plane + (pt * P + j) * W + h * Ch;
            double *dvj = dv + a * plane + (pt * P + j) * W + h * Ch;
            const double w = arow[j];
            double d = 0.0;
            for (long c = 0; c < Ch; c++) {
              d += oi[c] * vj[c];
              dvj[c] += w * oi[c];
            }
            drow[j] += d;
          }
        }
        /* softmax backward: dlogit_ij = a_ij (dA_ij - sum_l a_il dA_il) */
        double sum = 0.0;
        for (long j = 0; j < P; j++) sum += arow[j] * drow[j];
        for (long j = 0; j < P; j++) drow[j] = arow[j] * (drow[j] - sum);
        for (int a = 0; a < AF_MV; a++) {
          const double sc = g->metric[a] * s->scale;
          const double *qi = q + a * plane + (pt * P + i) * W + h * Ch;
          double *dqi = dq + a * plane + (pt * P + i) * W + h * Ch;
          for (long j = 0; j < P; j++) {
            const double *kj = k + a * plane + (pt * P + j) * W + h * Ch;
            double *dkj = dk + a * plane + (pt * P + j) * W + h * Ch;
            const double gg = sc * drow[j];
            for (long c = 0; c < Ch; c++) {
              dqi[c] += gg * kj[c];
              dkj[c] += gg * qi[c];
            }
          }
        }
      }
    }
  }
}
