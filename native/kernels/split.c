/* Split search, XGBoost hist's rule (src/models/gbdt/params.ts). The
 * arithmetic mirrors src/kernels/split.ts operation for operation (contraction
 * is off in this build, so a*b+c rounds twice, as in JS):
 *   GL += bin G; HL += bin H; GR = G - GL; HR = H - HL;
 *   chg = (score(GL, HL) + score(GR, HR)) - score(G, H).
 * Bins whose (G, H) are both 0 are skipped: adding them leaves (GL, HL) and so
 * the loss change unchanged, and a repeat never beats the best strictly, so
 * the result is the one of the reference, which visits every bin. */
#include "split.h"

#include <string.h>

static inline double score(double g, double h, double lambda) {
  return h <= 0.0 ? 0.0 : (g * g) / (h + lambda);
}

typedef struct {
  double G, H, parent, lambda, mcw;
} node_ctx;

static inline void consider(const node_ctx *c, int32_t f, int32_t b, double gl, double hl,
                            af_split *best) {
  const double gr = c->G - gl, hr = c->H - hl;
  if (!(hl >= c->mcw && hr >= c->mcw)) return;
  const double chg = score(gl, hl, c->lambda) + score(gr, hr, c->lambda) - c->parent;
  if (chg > best->gain) {
    best->gain = chg;
    best->feature = f;
    best->bin = b;
    best->gl = gl;
    best->hl = hl;
  }
}

/* Scans one feature's histogram (2 * nb doubles). */
static void scan(const node_ctx *c, int32_t f, const double *fh, long nb, af_split *best) {
  double gl = 0.0, hl = 0.0;
  for (long b = 0; b < nb; b++) {
    const double g = fh[2 * b], h = fh[2 * b + 1];
    if (g == 0.0 && h == 0.0) continue;
    gl += g;
    hl += h;
    consider(c, f, (int32_t)b, gl, hl, best);
  }
}

static void init(const af_split_params *p, double G, double H, node_ctx *c, af_split *best) {
  c->G = G;
  c->H = H;
  c->lambda = p->lambda;
  c->mcw = p->min_child_weight;
  c->parent = score(G, H, p->lambda);
  best->feature = -1;
  best->bin = -1;
  best->gain = 0.0;
  best->gl = 0.0;
  best->hl = 0.0;
}

void af_split_hist(const af_binmat *m, const double *hist, double G, double H,
                   const af_split_params *p, af_split *out) {
  node_ctx c;
  init(p, G, H, &c, out);
  for (long f = 0; f < m->d; f++) {
    if (!p->features[f]) continue;
    scan(&c, (int32_t)f, hist + 2 * (size_t)m->off[f], m->off[f + 1] - m->off[f], out);
  }
}

size_t af_split_rows_scratch(const af_binmat *m, long rows) {
  long most = 1;
  for (long f = 0; f < m->d; f++)
    if (m->off[f + 1] - m->off[f] > most) most = m->off[f + 1] - m->off[f];
  return 4 * (size_t)most * sizeof(double) + 2 * (size_t)(rows > 0 ? rows : 1) * sizeof(uint32_t);
}

/* Below this many rows a node's rows are sorted by bin (insertion sort on
 * bin << 16 | position); above, they go through a per-feature histogram. Both
 * visit the non-empty bins in ascending order and sum each in rows order. */
#define AF_SORT_ROWS 24

int af_split_rows(const af_binmat *m, const double *gpair, const uint32_t *rows, long begin,
                  long end, double G, double H, const af_split_params *p, void *scratch,
                  af_split *out) {
  node_ctx c;
  init(p, G, H, &c, out);
  const long cnt = end - begin;
  for (long i = begin; i < end; i++)
    if ((long)rows[i] >= m->n) return AF_TREE_BAD_ROW;
  size_t most = 1;
  for (long f = 0; f < m->d; f++)
    if ((size_t)(m->off[f + 1] - m->off[f]) > most) most = (size_t)(m->off[f + 1] - m->off[f]);
  double *fh = scratch, *part = fh + 2 * most;
  uint32_t *keys = (uint32_t *)(part + 2 * most);
  for (long f = 0; f < m->d; f++) {
    if (!p->features[f]) continue;
    const long nb = m->off[f + 1] - m->off[f];
    if (cnt <= AF_SORT_ROWS) {
      for (long i = 0; i < cnt; i++) {
        const unsigned b = af_bin(m, rows[begin + i], f);
        if ((long)b >= nb) return AF_TREE_BAD_BIN;
        const uint32_t key = (uint32_t)b << 16 | (uint32_t)i;
        long k = i;
        while (k > 0 && keys[k - 1] > key) {
          keys[k] = keys[k - 1];
          k--;
        }
        keys[k] = key;
      }
      double gl = 0.0, hl = 0.0;
      for (long i = 0; i < cnt;) {
        const uint32_t b = keys[i] >> 16;
        double gs = 0.0, hs = 0.0;
        for (; i < cnt && keys[i] >> 16 == b; i++) {
          const size_t r = rows[begin + (keys[i] & 0xffffu)];
          gs += gpair[2 * r];
          hs += gpair[2 * r + 1];
        }
        gl += gs;
        hl += hs;
        consider(&c, (int32_t)f, (int32_t)b, gl, hl, out);
      }
    } else {
      /* Summed as histBuild sums: per block of AF_HIST_BLOCK_ROWS rows, the
       * block sums added in order (the first block's sum is 0 + itself). */
      memset(fh, 0, 2 * (size_t)nb * sizeof(double));
      for (long from = begin; from < end; from += AF_HIST_BLOCK_ROWS) {
        const long to = from + AF_HIST_BLOCK_ROWS < end ? from + AF_HIST_BLOCK_ROWS : end;
        double *acc = cnt <= AF_HIST_BLOCK_ROWS ? fh : part;
        if (acc == part) memset(part, 0, 2 * (size_t)nb * sizeof(double));
        for (long i = from; i < to; i++) {
          const size_t r = rows[i];
          const unsigned b = af_bin(m, (long)r, f);
          if ((long)b >= nb) return AF_TREE_BAD_BIN;
          acc[2 * b] += gpair[2 * r];
          acc[2 * b + 1] += gpair[2 * r + 1];
        }
        if (acc == part)
          for (long t = 0; t < 2 * nb; t++) fh[t] += part[t];
      }
      scan(&c, (int32_t)f, fh, nb, out);
    }
  }
  return AF_TREE_OK;
}
