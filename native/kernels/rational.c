/* Mirrors src/kernels/rational.ts operation for operation: every element goes
 * through the same Horner and power chains in the same order, and every
 * coefficient gradient adds its terms in the same (row, channel) order
 * (-ffp-contract=off keeps products and sums separately rounded), so both
 * backends give the same bits. The loops run over the channels of one group
 * innermost, with the degree loops outside them, so the compiler vectorises
 * the per-element work; only the gradient sums stay sequential. One thread:
 * the activation costs O(n*width*degree), small beside the dense layers'
 * O(n*width^2) products. */
#include "rational.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Work arrays of one group's channels (per values each). */
typedef struct {
  double *p, *dp, *av, *q, *dqs, *pw, *t1, *t2;
} work_t;

static double *alloc_work(long per, work_t *w) {
  double *mem = malloc(sizeof(double) * 8 * (size_t)(per > 0 ? per : 1));
  if (!mem) return 0;
  double **slots[] = {&w->p, &w->dp, &w->av, &w->q, &w->dqs, &w->pw, &w->t1, &w->t2};
  for (int s = 0; s < 8; s++) *slots[s] = mem + s * per;
  return mem;
}

/* The sum of t[0..m) in the order of the reference's laneSum: four lanes
 * (lane l takes c = l mod 4, in order), then (l0 + l1) + (l2 + l3). Four
 * independent chains instead of one: the sum is a quarter as long. */
static double lane_sum(const double *restrict t, long m) {
  double l0 = 0, l1 = 0, l2 = 0, l3 = 0;
  long c = 0;
  for (; c + 4 <= m; c += 4) {
    l0 += t[c];
    l1 += t[c + 1];
    l2 += t[c + 2];
    l3 += t[c + 3];
  }
  if (c < m) l0 += t[c];
  if (c + 1 < m) l1 += t[c + 1];
  if (c + 2 < m) l2 += t[c + 2];
  return (l0 + l1) + (l2 + l3);
}

/* P, |x| and Q of `per` elements xr, as the reference computes them. */
static void numer_denom(const double *restrict xr, long per, const double *a, long degP, long degQ,
                        double *restrict p, double *restrict av, double *restrict q,
                        double *restrict pw) {
  for (long c = 0; c < per; c++) p[c] = a[degP];
  for (long j = degP - 1; j >= 0; j--) {
    double aj = a[j];
    for (long c = 0; c < per; c++) p[c] = p[c] * xr[c] + aj;
  }
  for (long c = 0; c < per; c++) {
    av[c] = fabs(xr[c]);
    q[c] = 1;
    pw[c] = av[c];
  }
  for (long k = 1; k <= degQ; k++) {
    double bk = fabs(a[degP + k]);
    for (long c = 0; c < per; c++) {
      q[c] += bk * pw[c];
      pw[c] *= av[c];
    }
  }
}

int af_rational_forward(const double *x, long n, long width, long groups, long degP, long degQ,
                        const double *coef, double *y) {
  long per = width / groups, nc = degP + 1 + degQ;
  work_t w;
  double *mem = alloc_work(per, &w);
  if (!mem) return -1;
  for (long i = 0; i < n; i++) {
    for (long g = 0; g < groups; g++) {
      const double *xr = x + i * width + g * per;
      double *restrict yr = y + i * width + g * per;
      numer_denom(xr, per, coef + g * nc, degP, degQ, w.p, w.av, w.q, w.pw);
      for (long c = 0; c < per; c++) yr[c] = w.p[c] / w.q[c];
    }
  }
  free(mem);
  return 0;
}

int af_rational_backward(const double *x, long n, long width, long groups, long degP, long degQ,
                         const double *coef, const double *dy, double *dx, double *gcoef) {
  long per = width / groups, nc = degP + 1 + degQ;
  work_t w;
  double *mem = alloc_work(per, &w);
  if (!mem) return -1;
  memset(gcoef, 0, sizeof(double) * (size_t)(groups * nc));
  for (long i = 0; i < n; i++) {
    for (long g = 0; g < groups; g++) {
      long off = i * width + g * per;
      const double *restrict xr = x + off;
      const double *a = coef + g * nc;
      double *ga = gcoef + g * nc;
      double *restrict p = w.p, *restrict dp = w.dp, *restrict av = w.av, *restrict q = w.q;
      double *restrict dqs = w.dqs, *restrict pw = w.pw, *restrict ginv = w.t1, *restrict gr = w.t2;
      for (long c = 0; c < per; c++) {
        p[c] = a[degP];
        dp[c] = (double)degP * a[degP];
      }
      for (long j = degP - 1; j >= 0; j--) {
        double aj = a[j], jaj = (double)j * a[j];
        for (long c = 0; c < per; c++) {
          p[c] = p[c] * xr[c] + aj;
          if (j >= 1) dp[c] = dp[c] * xr[c] + jaj;
        }
      }
      for (long c = 0; c < per; c++) {
        av[c] = fabs(xr[c]);
        q[c] = 1;
        dqs[c] = 0;
        pw[c] = 1;
      }
      for (long k = 1; k <= degQ; k++) {
        double bk = fabs(a[degP + k]), kb = (double)k * bk;
        for (long c = 0; c < per; c++) {
          dqs[c] += kb * pw[c];
          pw[c] *= av[c];
          q[c] += bk * pw[c];
        }
      }
      for (long c = 0; c < per; c++) {
        double v = xr[c], gv = dy[off + c];
        double sv = v > 0 ? 1 : v < 0 ? -1 : 0;
        double inv = 1 / q[c];
        double r = p[c] * inv * inv;
        if (dx) dx[off + c] = gv * (dp[c] * inv - r * sv * dqs[c]);
        ginv[c] = gv * inv;
        gr[c] = gv * r;
      }
      /* Coefficient gradients: each coefficient's terms are formed for the whole
       * group (vectorised) and summed in the reference's fixed lane order. */
      double *restrict term = w.pw, *restrict xj = w.dp;
      for (long c = 0; c < per; c++) xj[c] = 1;
      for (long j = 0; j <= degP; j++) {
        for (long c = 0; c < per; c++) {
          term[c] = ginv[c] * xj[c];
          xj[c] *= xr[c];
        }
        ga[j] += lane_sum(term, per);
      }
      double *restrict ak = w.dp;
      for (long c = 0; c < per; c++) ak[c] = av[c];
      for (long k = 1; k <= degQ; k++) {
        double b = a[degP + k];
        double sb = b > 0 ? 1 : b < 0 ? -1 : 0;
        for (long c = 0; c < per; c++) {
          term[c] = gr[c] * sb * ak[c];
          ak[c] *= av[c];
        }
        ga[degP + k] -= lane_sum(term, per);
      }
    }
  }
  free(mem);
  return 0;
}
