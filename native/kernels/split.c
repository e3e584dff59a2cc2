/* Split search, XGBoost hist's rule (src/models/gbdt/params.ts). The
 * arithmetic mirrors src/kernels/split.ts operation for operation (contraction
 * is off in this build, so a*b+c rounds twice, as in JS):
 *   GL += bin G; HL += bin H; GR = G - GL; HR = H - HL;
 *   chg = (score(GL, HL) + score(GR, HR)) - score(G, H),
 * every bin visited in ascending order like the reference (scan() below
 * computes the loss changes of a chunk of bins vectorised; scan_sparse()
 * skips empty bins, which only repeat the previous candidate). */
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

/* Scans one feature's histogram (2 * nb doubles), AF_SCAN_CHUNK bins at a
 * time: the running sums (GL, HL) bin by bin in order, as consider() forms
 * them; then every bin's loss change in a loop without branches that the
 * compiler vectorises (the same IEEE operations per lane as consider(), so the
 * same bits; invalid candidates become -inf); then the first strict
 * improvement in bin order, as consider() picks it. Bins whose (G, H) are 0
 * leave (GL, HL) as they were, so they repeat the previous candidate, which
 * can never win strictly: visiting them changes nothing. */
#define AF_SCAN_CHUNK 256

/* Candidates i < m of one feature: running sums gl[i], hl[i] after bin
 * bins[i] (or b0 + i when bins is null). */
static void eval_chunk(const node_ctx *c, int32_t f, const double *gl, const double *hl,
                       const int32_t *bins, long b0, long m, af_split *best) {
  double chg[AF_SCAN_CHUNK];
  const double G = c->G, H = c->H, lambda = c->lambda, mcw = c->mcw, parent = c->parent;
  for (long i = 0; i < m; i++) {
    const double l = gl[i], lh = hl[i];
    const double r = G - l, rh = H - lh;
    const double sl = lh <= 0.0 ? 0.0 : (l * l) / (lh + lambda);
    const double sr = rh <= 0.0 ? 0.0 : (r * r) / (rh + lambda);
    const double v = sl + sr - parent;
    chg[i] = (lh >= mcw && rh >= mcw) ? v : -__builtin_inf();
  }
  for (long i = 0; i < m; i++) {
    if (chg[i] > best->gain) {
      best->gain = chg[i];
      best->feature = f;
      best->bin = bins ? bins[i] : (int32_t)(b0 + i);
      best->gl = gl[i];
      best->hl = hl[i];
    }
  }
}

static void scan_dense(const node_ctx *c, int32_t f, const double *fh, long nb, af_split *best) {
  double gl[AF_SCAN_CHUNK], hl[AF_SCAN_CHUNK];
  double sg = 0.0, sh = 0.0;
  for (long b0 = 0; b0 < nb; b0 += AF_SCAN_CHUNK) {
    const long m = nb - b0 < AF_SCAN_CHUNK ? nb - b0 : AF_SCAN_CHUNK;
    const double *h0 = fh + 2 * b0;
    for (long i = 0; i < m; i++) {
      sg += h0[2 * i];
      sh += h0[2 * i + 1];
      gl[i] = sg;
      hl[i] = sh;
    }
    eval_chunk(c, f, gl, hl, 0, b0, m, best);
  }
}

/* The same result for a histogram with few non-empty bins (a small node's,
 * summed from its rows): bin by bin, skipping the empty ones, which repeat the
 * previous candidate. */
static void scan_sparse(const node_ctx *c, int32_t f, const double *fh, long nb, af_split *best) {
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
    scan_dense(&c, (int32_t)f, hist + 2 * (size_t)m->off[f], m->off[f + 1] - m->off[f], out);
  }
}

size_t af_split_rows_scratch(const af_binmat *m, long rows) {
  long most = 1;
  for (long f = 0; f < m->d; f++)
    if (m->off[f + 1] - m->off[f] > most) most = m->off[f + 1] - m->off[f];
  return 4 * (size_t)most * sizeof(double) + 2 * (size_t)(rows > 0 ? rows : 1) * sizeof(uint32_t);
}

size_t af_split_rows_zeroed(const af_binmat *m) {
  size_t words = 0;
  for (long f = 0; f < m->d; f++) words += (size_t)(m->off[f + 1] - m->off[f] + 63) / 64;
  return 2 * (size_t)m->off[m->d] * sizeof(double) + words * sizeof(uint64_t);
}

/* The direct path for a node of one histogram block (cnt <= AF_HIST_BLOCK_ROWS)
 * and d <= AF_COMPACT_MAX_D: one pass over the rows adds each into its bin of
 * every allowed feature (zeroed: the node histogram, zero before and after)
 * and marks the bin in a per-feature bitmap; then each feature's marked bins,
 * in ascending order, give the candidates — the bins a row touched, with the
 * same per-bin sums (rows order, from 0) as histBuild, so the same result as
 * a scan of the whole histogram (empty bins only repeat a candidate) at a cost
 * that follows the rows, not the bin count. */
#define AF_COMPACT_MAX_D 64

static int split_compact(const af_binmat *m, const double *gpair, const uint32_t *rows, long begin,
                         long end, const node_ctx *c, const af_split_params *p, double *fh,
                         af_split *out) {
  const long d = m->d;
  const int32_t *off = m->off;
  long wof[AF_COMPACT_MAX_D + 1];
  wof[0] = 0;
  for (long f = 0; f < d; f++) wof[f + 1] = wof[f] + (off[f + 1] - off[f] + 63) / 64;
  uint64_t *bits = (uint64_t *)(fh + 2 * (size_t)off[d]);
  for (long i = begin; i < end; i++) {
    const size_t r = rows[i];
    const double g = gpair[2 * r], h = gpair[2 * r + 1];
    for (long f = 0; f < d; f++) {
      if (!p->features[f]) continue;
      const unsigned b = af_bin(m, (long)r, f);
      if ((long)b >= off[f + 1] - off[f]) {
        /* Leave the scratch zeroed, as the caller expects. */
        memset(fh, 0, 2 * (size_t)off[d] * sizeof(double) + (size_t)wof[d] * sizeof(uint64_t));
        return AF_TREE_BAD_BIN;
      }
      double *o = fh + 2 * ((size_t)off[f] + b);
      o[0] += g;
      o[1] += h;
      bits[wof[f] + b / 64] |= (uint64_t)1 << (b % 64);
    }
  }
  double gl[AF_SCAN_CHUNK], hl[AF_SCAN_CHUNK];
  int32_t bin[AF_SCAN_CHUNK];
  for (long f = 0; f < d; f++) {
    if (!p->features[f]) continue;
    double sg = 0.0, sh = 0.0;
    long k = 0;
    double *fb = fh + 2 * (size_t)off[f];
    for (long w = wof[f]; w < wof[f + 1]; w++) {
      uint64_t x = bits[w];
      bits[w] = 0;
      while (x) {
        const long b = (w - wof[f]) * 64 + __builtin_ctzll(x);
        x &= x - 1;
        sg += fb[2 * b];
        sh += fb[2 * b + 1];
        fb[2 * b] = 0.0;
        fb[2 * b + 1] = 0.0;
        gl[k] = sg;
        hl[k] = sh;
        bin[k] = (int32_t)b;
        if (++k == AF_SCAN_CHUNK) {
          eval_chunk(c, (int32_t)f, gl, hl, bin, 0, k, out);
          k = 0;
        }
      }
    }
    eval_chunk(c, (int32_t)f, gl, hl, bin, 0, k, out);
  }
  return AF_TREE_OK;
}

/* Nodes too long for split_compact: below this many rows their rows are
 * sorted by bin (insertion sort on bin << 16 | position); above, they go
 * through a per-feature histogram. Both visit the non-empty bins in ascending
 * order and sum each in rows order. */
#define AF_SORT_ROWS 24

int af_split_rows(const af_binmat *m, const double *gpair, const uint32_t *rows, long begin,
                  long end, double G, double H, const af_split_params *p, void *scratch,
                  double *zeroed, af_split *out) {
  node_ctx c;
  init(p, G, H, &c, out);
  const long cnt = end - begin;
  for (long i = begin; i < end; i++)
    if ((long)rows[i] >= m->n) return AF_TREE_BAD_ROW;
  if (zeroed && cnt <= AF_HIST_BLOCK_ROWS && m->d <= AF_COMPACT_MAX_D) {
    /* The bitmaps are walked word by word: with very many bins (uint16
     * bins) and few rows that would cost more than the paths below. */
    long words = 0;
    for (long f = 0; f < m->d; f++) words += (m->off[f + 1] - m->off[f] + 63) / 64;
    if (words <= 8 * cnt + 64) return split_compact(m, gpair, rows, begin, end, &c, p, zeroed, out);
  }
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
      /* A node of fewer rows than bins leaves most bins empty. */
      if (cnt < nb)
        scan_sparse(&c, (int32_t)f, fh, nb, out);
      else
        scan_dense(&c, (int32_t)f, fh, nb, out);
    }
  }
  return AF_TREE_OK;
}
