/* See dispatch_trees.h. Work is cut into units (a node, or a fixed block of a
 * long node's rows), and units into at most `threads` contiguous chunks of
 * about equal cost. Small calls stay on the calling thread: on a shared VM
 * handing a few microseconds of work to another core costs more than it
 * saves. */
#include "dispatch_trees.h"

#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "kernels/hist.h"
#include "kernels/partition.h"
#include "threads.h"

/* Split a call only when it touches at least this many rows (histograms,
 * partitions, leaf updates) — about 20 us of work for two features. */
#define AF_TREE_PAR_MIN_ROWS 16384L
/* Split a split search only above this cost (bins scanned + rows summed). */
#define AF_SPLIT_PAR_MIN_COST 32768L
/* Split a prediction only above this many row-tree visits. */
#define AF_PREDICT_PAR_MIN (1L << 16)
/* Partitions of nodes longer than 2x this are cut into blocks of this many rows. */
#define AF_PART_BLOCK 16384L

/* ---- grow-only scratch, one per thread and purpose ---- */

typedef struct {
  void *p;
  size_t cap;
} scratch_t;

static pthread_key_t keys[3];
static pthread_once_t keys_once = PTHREAD_ONCE_INIT;

static void scratch_free(void *v) {
  scratch_t *s = v;
  free(s->p);
  free(s);
}

static void keys_init(void) {
  pthread_key_create(&keys[0], scratch_free);
  pthread_key_create(&keys[1], scratch_free);
  pthread_key_create(&keys[2], scratch_free);
}

/* which: 0 = the caller's buffers shared by all chunks, 1 = a chunk's own,
 * 2 = a chunk's own that is all zero when handed out (its user leaves it so:
 * splitFind's direct path), zeroed again whenever it grows. */
static void *scratch(int which, size_t bytes) {
  pthread_once(&keys_once, keys_init);
  scratch_t *s = pthread_getspecific(keys[which]);
  if (!s) {
    s = calloc(1, sizeof *s);
    if (!s) return 0;
    pthread_setspecific(keys[which], s);
  }
  if (bytes == 0) bytes = 1;
  if (bytes > s->cap) {
    size_t cap = (bytes + 63u) & ~(size_t)63u;
    void *p = aligned_alloc(64, cap);
    if (!p) return 0;
    free(s->p);
    if (which == 2) memset(p, 0, cap);
    s->p = p;
    s->cap = cap;
  }
  return s->p;
}

/* ---- units and chunks ---- */

/* Chunk c covers units [start[c], start[c+1]) of about total/nch cost each,
 * from the units' cumulative costs cum[0..nu] (cum[0] = 0). */
static void cut(const long *cum, long nu, int nch, long *start) {
  long u = 0;
  start[0] = 0;
  for (int c = 1; c < nch; c++) {
    const long target = (long)((double)cum[nu] * c / nch);
    while (u < nu && cum[u] < target) u++;
    start[c] = u;
  }
  start[nch] = nu;
}

static int chunks_for(long work, long min_work) {
  const int t = af_threads_get();
  if (t <= 1 || work < min_work) return 1;
  return t > 64 ? 64 : t;
}

/* The status of the earliest failing chunk (chunks are in unit order). */
static int first_status(const int *status, int nch) {
  for (int c = 0; c < nch; c++)
    if (status[c]) return status[c];
  return AF_TREE_OK;
}

/* ---- histBuild ---- */

typedef struct {
  const af_binmat *m;
  const double *gpair;
  const uint32_t *rows;
  const long *ufrom, *uto;
  double *const *udst;
  size_t width; /* doubles per histogram */
  const long *start;
  int status[64];
} hist_job;

static void hist_chunk(void *v, int c, int nch) {
  hist_job *j = v;
  (void)nch;
  for (long u = j->start[c]; u < j->start[c + 1]; u++) {
    memset(j->udst[u], 0, j->width * sizeof(double));
    const int st = af_hist_accumulate(j->m, j->gpair, j->rows, j->ufrom[u], j->uto[u], j->udst[u]);
    if (st) {
      j->status[c] = st;
      return;
    }
  }
}

int af_par_hist_build(const af_binmat *m, const double *gpair, const uint32_t *rows, long k,
                      const int32_t *begin, const int32_t *end, const int32_t *slot, double *hist) {
  const size_t width = 2 * (size_t)m->off[m->d];
  long nu = 0, nparts = 0, total = 0;
  for (long j = 0; j < k; j++) {
    const long len = end[j] - begin[j];
    const long nb = len <= AF_HIST_BLOCK_ROWS ? 1 : (len + AF_HIST_BLOCK_ROWS - 1) / AF_HIST_BLOCK_ROWS;
    nu += nb;
    if (nb > 1) nparts += nb;
    total += len;
  }
  const int nch = chunks_for(total, AF_TREE_PAR_MIN_ROWS);
  /* Shared scratch: unit tables, then the partial histograms of blocked nodes. */
  const size_t table = (size_t)(nu + 1) * (3 * sizeof(long) + sizeof(double *)) + (size_t)(nch + 1) * sizeof(long);
  const size_t table_al = (table + 63u) & ~(size_t)63u;
  char *buf = scratch(0, table_al + (size_t)nparts * width * sizeof(double));
  if (!buf) return AF_TREE_NO_MEMORY;
  long *ufrom = (long *)buf, *uto = ufrom + nu + 1, *cum = uto + nu + 1;
  double **udst = (double **)(cum + nu + 1);
  long *start = (long *)(udst + nu + 1);
  double *parts = (double *)(buf + table_al);
  long u = 0;
  double *next_part = parts;
  cum[0] = 0;
  for (long j = 0; j < k; j++) {
    const long len = end[j] - begin[j];
    double *dst = hist + (size_t)slot[j] * width;
    if (len <= AF_HIST_BLOCK_ROWS) {
      ufrom[u] = begin[j];
      uto[u] = end[j];
      udst[u] = dst;
      cum[u + 1] = cum[u] + len + 1;
      u++;
      continue;
    }
    for (long from = begin[j]; from < end[j]; from += AF_HIST_BLOCK_ROWS) {
      ufrom[u] = from;
      uto[u] = from + AF_HIST_BLOCK_ROWS < end[j] ? from + AF_HIST_BLOCK_ROWS : end[j];
      udst[u] = next_part;
      next_part += width;
      cum[u + 1] = cum[u] + (uto[u] - ufrom[u]) + 1;
      u++;
    }
  }
  hist_job job = {m, gpair, rows, ufrom, uto, udst, width, start, {0}};
  cut(cum, nu, nch, start);
  af_threads_run(hist_chunk, &job, nch);
  const int st = first_status(job.status, nch);
  if (st) return st;
  /* Blocked nodes: block sums added in block order. */
  const double *part = parts;
  for (long j = 0; j < k; j++) {
    const long len = end[j] - begin[j];
    if (len <= AF_HIST_BLOCK_ROWS) continue;
    double *dst = hist + (size_t)slot[j] * width;
    memcpy(dst, part, width * sizeof(double));
    part += width;
    for (long from = begin[j] + AF_HIST_BLOCK_ROWS; from < end[j]; from += AF_HIST_BLOCK_ROWS) {
      for (size_t t = 0; t < width; t++) dst[t] += part[t];
      part += width;
    }
  }
  return AF_TREE_OK;
}

/* ---- histSubtract ---- */

typedef struct {
  double *hist;
  size_t width;
  const int32_t *dst, *a, *b;
  long k;
} sub_job;

static void sub_chunk(void *v, int c, int nch) {
  const sub_job *j = v;
  const long lo = j->k * c / nch, hi = j->k * (c + 1) / nch;
  for (long e = lo; e < hi; e++)
    af_hist_subtract(j->hist + (size_t)j->dst[e] * j->width, j->hist + (size_t)j->a[e] * j->width,
                     j->hist + (size_t)j->b[e] * j->width, (long)j->width);
}

int af_par_hist_subtract(double *hist, long nbins, long k, const int32_t *dst, const int32_t *a,
                         const int32_t *b) {
  sub_job job = {hist, 2 * (size_t)nbins, dst, a, b, k};
  int nch = chunks_for(k * 2 * nbins, 1L << 16);
  if (nch > k) nch = k > 0 ? (int)k : 1;
  af_threads_run(sub_chunk, &job, nch);
  return AF_TREE_OK;
}

/* ---- splitFind ---- */

typedef struct {
  const af_binmat *m;
  const double *hist, *gpair;
  const uint32_t *rows;
  const int32_t *slot, *begin, *end;
  const double *sum_g, *sum_h;
  const af_split_params *p;
  int32_t *of, *ob;
  double *og, *ol;
  size_t width;
  long most_rows;
  const long *start;
  int status[64];
} split_job;

static void split_chunk(void *v, int c, int nch) {
  split_job *j = v;
  (void)nch;
  void *local = 0;
  double *zeroed = 0;
  for (long e = j->start[c]; e < j->start[c + 1]; e++) {
    af_split s;
    if (j->slot[e] >= 0) {
      af_split_hist(j->m, j->hist + (size_t)j->slot[e] * j->width, j->sum_g[e], j->sum_h[e], j->p, &s);
    } else {
      if (!local) {
        local = scratch(1, af_split_rows_scratch(j->m, j->most_rows));
        zeroed = scratch(2, af_split_rows_zeroed(j->m));
      }
      if (!local || !zeroed) {
        j->status[c] = AF_TREE_NO_MEMORY;
        return;
      }
      const int st = af_split_rows(j->m, j->gpair, j->rows, j->begin[e], j->end[e], j->sum_g[e],
                                   j->sum_h[e], j->p, local, zeroed, &s);
      if (st) {
        j->status[c] = st;
        return;
      }
    }
    j->of[e] = s.feature;
    j->ob[e] = s.bin;
    j->og[e] = s.gain;
    j->ol[2 * e] = s.gl;
    j->ol[2 * e + 1] = s.hl;
  }
}

int af_par_split_find(const af_binmat *m, const double *hist, const double *gpair,
                      const uint32_t *rows, long k, const int32_t *slot, const int32_t *begin,
                      const int32_t *end, const double *sum_g, const double *sum_h,
                      const af_split_params *p, int32_t *out_feature, int32_t *out_bin,
                      double *out_gain, double *out_left) {
  const long nbins = m->off[m->d];
  long most = 1;
  long *cum = scratch(0, (size_t)(k + 1) * sizeof(long) + 65 * sizeof(long));
  if (!cum) return AF_TREE_NO_MEMORY;
  long *start = cum + k + 1;
  cum[0] = 0;
  for (long e = 0; e < k; e++) {
    const long len = end[e] - begin[e];
    if (slot[e] < 0 && len > most) most = len;
    cum[e + 1] = cum[e] + (slot[e] >= 0 ? nbins : len * m->d + (len > 24 ? nbins : 0)) + 16;
  }
  int nch = chunks_for(cum[k], AF_SPLIT_PAR_MIN_COST);
  if (nch > k) nch = k > 0 ? (int)k : 1;
  split_job job = {m, hist, gpair, rows, slot, begin, end, sum_g, sum_h, p, out_feature, out_bin,
                   out_gain, out_left, 2 * (size_t)nbins, most, start, {0}};
  cut(cum, k, nch, start);
  af_threads_run(split_chunk, &job, nch);
  return first_status(job.status, nch);
}

/* ---- partition ---- */

typedef struct {
  const af_bincols *m;
  uint32_t *rows;
  const int32_t *begin, *end, *feature, *bin;
  int32_t *mid;
  /* units: node, range, whether part of a blocked node, lefts found */
  const long *unode, *ufrom, *uto;
  const char *ublocked;
  long *unl;
  long *uleft_at, *uright_at; /* phase 2: destinations in rows */
  uint32_t *tmp_l, *tmp_r;    /* blocked units' sides, indexed like rows */
  long most;
  const long *start;
  int status[64];
} part_job;

static void part_chunk1(void *v, int c, int nch) {
  part_job *j = v;
  (void)nch;
  uint32_t *local = 0;
  for (long u = j->start[c]; u < j->start[c + 1]; u++) {
    const long e = j->unode[u];
    int st;
    if (j->ublocked[u]) {
      st = af_partition_into(j->m, j->rows, j->ufrom[u], j->uto[u], j->feature[e], j->bin[e],
                             j->tmp_l + j->ufrom[u], j->tmp_r + j->ufrom[u], &j->unl[u]);
    } else {
      if (!local) local = scratch(1, (size_t)j->most * sizeof(uint32_t));
      if (!local) {
        j->status[c] = AF_TREE_NO_MEMORY;
        return;
      }
      long mid;
      st = af_partition(j->m, j->rows, j->ufrom[u], j->uto[u], j->feature[e], j->bin[e], local, &mid);
      j->mid[e] = (int32_t)mid;
    }
    if (st) {
      j->status[c] = st;
      return;
    }
  }
}

static void part_chunk2(void *v, int c, int nch) {
  part_job *j = v;
  (void)nch;
  for (long u = j->start[c]; u < j->start[c + 1]; u++) {
    if (!j->ublocked[u]) continue;
    const long from = j->ufrom[u], nl = j->unl[u], nr = j->uto[u] - from - nl;
    memcpy(j->rows + j->uleft_at[u], j->tmp_l + from, (size_t)nl * sizeof(uint32_t));
    memcpy(j->rows + j->uright_at[u], j->tmp_r + from, (size_t)nr * sizeof(uint32_t));
  }
}

int af_par_partition(const af_bincols *m, uint32_t *rows, long k, const int32_t *begin,
                     const int32_t *end, const int32_t *feature, const int32_t *bin, int32_t *mid) {
  long nu = 0, total = 0, most = 1, span = 0;
  for (long e = 0; e < k; e++) total += end[e] - begin[e];
  /* Blocks only pay when they go to two threads: on one, a block's sides take
   * an extra copy (into tmp_l/tmp_r and back), the in-place partition not. So
   * a pool running solo (cores busy elsewhere) gets whole nodes. The stable
   * partition has one result either way. */
  const int nch = af_threads_solo() ? 1 : chunks_for(total, AF_TREE_PAR_MIN_ROWS);
  const long block_min = nch > 1 ? 2 * AF_PART_BLOCK : LONG_MAX;
  for (long e = 0; e < k; e++) {
    const long len = end[e] - begin[e];
    if (len >= block_min) {
      nu += (len + AF_PART_BLOCK - 1) / AF_PART_BLOCK;
    } else {
      nu += 1;
      if (len > most) most = len;
    }
    if (end[e] > span) span = end[e];
  }
  const size_t nl = (size_t)(nu + 1);
  const size_t table = nl * (6 * sizeof(long) + 1) + (size_t)(nch + 1) * sizeof(long);
  const size_t table_al = (table + 63u) & ~(size_t)63u;
  /* Blocked nodes' sides live in two arrays indexed like rows. */
  int any_blocked = 0;
  for (long e = 0; e < k; e++)
    if (end[e] - begin[e] >= block_min) any_blocked = 1;
  const size_t side = any_blocked ? (size_t)span * sizeof(uint32_t) : 0;
  char *buf = scratch(0, table_al + 2 * side);
  if (!buf) return AF_TREE_NO_MEMORY;
  long *unode = (long *)buf, *ufrom = unode + nl, *uto = ufrom + nl, *unl = uto + nl;
  long *uleft_at = unl + nl, *uright_at = uleft_at + nl, *start = uright_at + nl;
  char *ublocked = (char *)(start + nch + 1);
  long *cum = uleft_at; /* reused: costs are only needed before phase 1 */
  uint32_t *tmp_l = (uint32_t *)(buf + table_al), *tmp_r = (uint32_t *)(buf + table_al + side);
  long u = 0;
  cum[0] = 0;
  for (long e = 0; e < k; e++) {
    const long len = end[e] - begin[e];
    if (len >= block_min) {
      for (long from = begin[e]; from < end[e]; from += AF_PART_BLOCK) {
        unode[u] = e;
        ufrom[u] = from;
        uto[u] = from + AF_PART_BLOCK < end[e] ? from + AF_PART_BLOCK : end[e];
        ublocked[u] = 1;
        cum[u + 1] = cum[u] + (uto[u] - from) + 1;
        u++;
      }
    } else {
      unode[u] = e;
      ufrom[u] = begin[e];
      uto[u] = end[e];
      ublocked[u] = 0;
      cum[u + 1] = cum[u] + len + 1;
      u++;
    }
  }
  cut(cum, nu, nch, start);
  part_job job = {m, rows, begin, end, feature, bin, mid, unode, ufrom, uto, ublocked, unl,
                  uleft_at, uright_at, tmp_l, tmp_r, most, start, {0}};
  af_threads_run(part_chunk1, &job, nch);
  const int st = first_status(job.status, nch);
  if (st) return st;
  if (!any_blocked) return AF_TREE_OK;
  /* Where each block's sides go: lefts in block order from begin, rights from mid. */
  for (long v = 0; v < nu;) {
    if (!ublocked[v]) {
      v++;
      continue;
    }
    const long e = unode[v];
    long lefts = 0, w = v;
    for (; w < nu && unode[w] == e; w++) lefts += unl[w];
    const long m_at = begin[e] + lefts;
    long la = begin[e], ra = m_at;
    for (long x = v; x < w; x++) {
      uleft_at[x] = la;
      uright_at[x] = ra;
      la += unl[x];
      ra += (uto[x] - ufrom[x]) - unl[x];
    }
    mid[e] = (int32_t)m_at;
    v = w;
  }
  af_threads_run(part_chunk2, &job, nch);
  return AF_TREE_OK;
}

/* ---- leafAdd ---- */

typedef struct {
  const uint32_t *rows;
  const int32_t *begin, *end;
  const double *value;
  double *pred;
  long npred;
  const long *start;
  int status[64];
} leaf_job;

static void leaf_chunk(void *v, int c, int nch) {
  leaf_job *j = v;
  (void)nch;
  for (long e = j->start[c]; e < j->start[c + 1]; e++) {
    const int st = af_leaf_add(j->rows, j->begin[e], j->end[e], j->value[e], j->pred, j->npred);
    if (st) {
      j->status[c] = st;
      return;
    }
  }
}

int af_par_leaf_add(const uint32_t *rows, long k, const int32_t *begin, const int32_t *end,
                    const double *value, double *pred, long npred) {
  long *cum = scratch(0, (size_t)(k + 1 + 65) * sizeof(long));
  if (!cum) return AF_TREE_NO_MEMORY;
  long *start = cum + k + 1;
  cum[0] = 0;
  for (long e = 0; e < k; e++) cum[e + 1] = cum[e] + (end[e] - begin[e]) + 1;
  int nch = chunks_for(cum[k], AF_TREE_PAR_MIN_ROWS);
  if (nch > k) nch = k > 0 ? (int)k : 1;
  cut(cum, k, nch, start);
  leaf_job job = {rows, begin, end, value, pred, npred, start, {0}};
  af_threads_run(leaf_chunk, &job, nch);
  return first_status(job.status, nch);
}

/* ---- forestPredict ---- */

/* Calls over at least this many rows walk a packed copy of the forest: packing
 * costs one pass over the nodes, the walk then ~15 % less per row and tree
 * (zz4d, 100 trees of depth 10). */
#define AF_PACK_MIN_ROWS 2048L

typedef struct {
  const af_forest *F;
  const af_packed_fnode *P; /* null: walk F itself */
  const int32_t *depth;
  const double *x;
  double *out;
  long n;
  int status[64];
} predict_job;

static void predict_chunk(void *v, int c, int nch) {
  predict_job *j = v;
  /* Row ranges in whole blocks of 64, so blocking is the same at any chunking. */
  const long blocks = (j->n + 63) / 64;
  const long lo = blocks * c / nch * 64, hi0 = blocks * (c + 1) / nch * 64;
  const long hi = hi0 < j->n ? hi0 : j->n;
  if (lo >= hi) return;
  if (j->P)
    af_forest_predict_packed(j->F, j->P, j->depth, j->x, lo, hi, j->out);
  else
    j->status[c] = af_forest_predict(j->F, j->x, lo, hi, j->out);
}

int af_par_forest_predict(const af_forest *F, const double *x, long n, double *out) {
  const double work = (double)n * (double)(F->ntrees > 0 ? F->ntrees : 1);
  int nch = chunks_for(work > 1e15 ? (long)1e15 : (long)work, AF_PREDICT_PAR_MIN);
  const long blocks = (n + 63) / 64;
  if (nch > blocks) nch = blocks > 0 ? (int)blocks : 1;
  predict_job job = {F, 0, 0, x, out, n, {0}};
  if (n >= AF_PACK_MIN_ROWS && F->d <= 16 && F->ntrees > 0) {
    const long nodes = F->tree_offset[F->ntrees];
    char *buf = scratch(0, (size_t)nodes * sizeof(af_packed_fnode) + (size_t)F->ntrees * sizeof(int32_t));
    if (!buf) return AF_TREE_NO_MEMORY;
    af_packed_fnode *P = (af_packed_fnode *)buf;
    int32_t *depth = (int32_t *)(P + nodes);
    if (af_forest_pack(F, P, depth) == AF_TREE_OK) {
      job.P = P;
      job.depth = depth;
    }
  }
  af_threads_run(predict_chunk, &job, nch);
  return first_status(job.status, nch);
}

/* ---- treePredictBinned ---- */

typedef struct {
  const af_binmat *m;
  const af_packed_node *P;
  long depth;
  const double *value;
  double *out;
} binned_job;

static void binned_chunk(void *v, int c, int nch) {
  binned_job *j = v;
  const long n = j->m->n, blocks = (n + 63) / 64;
  const long lo = blocks * c / nch * 64, hi0 = blocks * (c + 1) / nch * 64;
  const long hi = hi0 < n ? hi0 : n;
  if (lo < hi) af_tree_predict_binned(j->m, j->P, j->depth, j->value, lo, hi, j->out);
}

int af_par_tree_predict_binned(const af_binmat *m, const af_bintree *T, double *out) {
  af_packed_node *P = scratch(0, (size_t)T->nodes * (sizeof(af_packed_node) + sizeof(int32_t)));
  if (!P) return AF_TREE_NO_MEMORY;
  long depth;
  const int st = af_bintree_pack(T, m->d, P, (int32_t *)(P + T->nodes), &depth);
  if (st) return st;
  const long n = m->n, blocks = (n + 63) / 64;
  int nch = chunks_for(n * (depth + 1), AF_TREE_PAR_MIN_ROWS * 4);
  if (nch > blocks) nch = blocks > 0 ? (int)blocks : 1;
  binned_job job = {m, P, depth, T->value, out};
  af_threads_run(binned_chunk, &job, nch);
  return AF_TREE_OK;
}
