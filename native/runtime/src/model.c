/* Loading a model file (src/io/modelFile.ts's format) into a read-only
 * handle: the prefix, the SHA-256, the JSON header, the arrays, the input
 * domain, and the stored model graph (src/graph/serialize.ts) as a list of
 * checked ops. Everything a later ampfit_eval relies on — buffer numbers,
 * widths, array lengths — is checked here, so evaluation never reads out of
 * bounds whatever the file says. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include "internal.h"

#define PREFIX 32
#define HASH 32
#define FORMAT_VERSION 2
#define GRAPH_VERSION 1
#define NONE ((size_t)-1)

typedef struct {
  const char *src;          /* for messages: the path or "(memory)" */
  const amp_json *arrays;   /* header.arrays */
  const unsigned char *blob;
  size_t blob_len;
  int version;
  ampfit_model *m;
  unsigned char *written;   /* per buffer: already written by an earlier op */
} ctx;

typedef struct {
  ctx *c;
  size_t i;
  const char *kind;
  const amp_json *o;
  int bad;
} opctx;

static int op_fail(opctx *p, const char *fmt, const char *a, unsigned long long b) {
  char what[512];
  if (p->bad) return 0;
  snprintf(what, sizeof what, fmt, a, b);
  p->bad = 1;
  amp_fail(AMPFIT_ERR_FORMAT, "model %s: graph op %zu (%s): %s", p->c->src, p->i, p->kind, what);
  return 0;
}

static int is_count(const amp_json *v) {
  return v != NULL && v->type == AMP_JNUM && v->num >= 0 && v->num <= 9007199254740992.0 && v->num == floor(v->num);
}

static size_t f_int(opctx *p, const char *key) {
  const amp_json *v = amp_json_get(p->o, key);
  if (!is_count(v)) return op_fail(p, "'%s' is missing or not a non-negative integer%.0llu", key, 0), 0;
  return (size_t)v->num;
}

static double f_num(opctx *p, const char *key) {
  const amp_json *v = amp_json_get(p->o, key);
  if (v == NULL || v->type != AMP_JNUM) return op_fail(p, "'%s' is missing or not a number%.0llu", key, 0), 0.0;
  return v->num;
}

/* A typed array the header's "arrays" names, of dtype `dtype` and (unless NONE) `len` elements. */
static const void *array_named(ctx *c, opctx *p, const char *name, const char *dtype, size_t len, size_t *out_len) {
  static const struct { const char *name; size_t size; } sizes[] = {
    {"float64", 8}, {"float32", 4}, {"int32", 4}, {"uint32", 4}, {"uint16", 2}, {"uint8", 1},
  };
  const amp_json *ref = amp_json_get(c->arrays, name);
  const amp_json *off, *n, *dt;
  const char *have;
  size_t size = 0, k;
  if (ref == NULL) return op_fail(p, "array '%s' is not in the file%.0llu", name, 0), NULL;
  off = amp_json_get(ref, "offset");
  n = amp_json_get(ref, "length");
  dt = amp_json_get(ref, "dtype");
  have = dt == NULL ? "float64" : (dt->type == AMP_JSTR ? dt->str : "?");
  if (strcmp(have, dtype) != 0) {
    char what[256];
    snprintf(what, sizeof what, "array '%s' is %s, expected %s", name, have, dtype);
    return op_fail(p, "%s%.0llu", what, 0), NULL;
  }
  for (k = 0; k < sizeof sizes / sizeof sizes[0]; k++) if (strcmp(sizes[k].name, dtype) == 0) size = sizes[k].size;
  if (!is_count(off) || !is_count(n) || (size_t)off->num % 8 != 0 || (size_t)off->num > c->blob_len ||
      (size_t)n->num > (c->blob_len - (size_t)off->num) / size) {
    return op_fail(p, "array '%s' lies outside the blob%.0llu", name, 0), NULL;
  }
  if (len != NONE && (size_t)n->num != len) return op_fail(p, "array '%s' has the wrong length, expected %llu", name, (unsigned long long)len), NULL;
  if (out_len != NULL) *out_len = (size_t)n->num;
  return c->blob + (size_t)off->num;
}

static const void *f_arr(opctx *p, const amp_json *o, const char *key, const char *dtype, size_t len, size_t *out_len) {
  const amp_json *v = amp_json_get(o, key);
  if (v == NULL || v->type != AMP_JSTR) return op_fail(p, "'%s' is missing or not an array name%.0llu", key, 0), NULL;
  return array_named(p->c, p, v->str, dtype, len, out_len);
}

/* A buffer the op reads: one an earlier op wrote (or the input row). */
static size_t f_in(opctx *p, const amp_json *v, const char *key) {
  size_t b;
  if (!is_count(v)) return op_fail(p, "'%s' is missing or not a buffer number%.0llu", key, 0), 0;
  b = (size_t)v->num;
  if (b >= p->c->m->n_bufs || !p->c->written[b]) return op_fail(p, "'%s' reads buffer %llu, which no earlier op writes", key, b), 0;
  return b;
}

/* A buffer the op writes: a new one. */
static size_t f_out(opctx *p, const amp_json *v, const char *key) {
  size_t b;
  if (!is_count(v)) return op_fail(p, "'%s' is missing or not a buffer number%.0llu", key, 0), 0;
  b = (size_t)v->num;
  if (b == 0 || b >= p->c->m->n_bufs || p->c->written[b]) return op_fail(p, "'%s' writes buffer %llu, which is the input, out of range or already written", key, b), 0;
  return b;
}

static void check_width(opctx *p, size_t b, size_t w, const char *what) {
  if (!p->bad && p->c->m->widths[b] != w) op_fail(p, "%s has the wrong width (expected %llu)", what, (unsigned long long)w);
}

/* A list of buffer numbers (to read when `reading`, else to write), owned by the caller. */
static size_t *f_bufs(opctx *p, const char *key, int reading, size_t *n) {
  const amp_json *v = amp_json_get(p->o, key);
  size_t k, *out;
  *n = 0;
  if (v == NULL || v->type != AMP_JARR || v->n == 0) return op_fail(p, "'%s' is missing or not a non-empty list%.0llu", key, 0), NULL;
  out = malloc(v->n * sizeof *out);
  if (out == NULL) return op_fail(p, "out of memory%s%.0llu", "", 0), NULL;
  for (k = 0; k < v->n; k++) {
    out[k] = reading ? f_in(p, &v->items[k], key) : f_out(p, &v->items[k], key);
    if (!reading && !p->bad) p->c->written[out[k]] = 1; /* so a list cannot name one output twice */
  }
  *n = v->n;
  return out;
}

static double *f_nums(opctx *p, const amp_json *v, const char *key, size_t len) {
  size_t k;
  double *out;
  if (v == NULL || v->type != AMP_JARR || v->n != len) return op_fail(p, "'%s' is missing or does not have %llu numbers", key, (unsigned long long)len), NULL;
  out = malloc((len == 0 ? 1 : len) * sizeof *out);
  if (out == NULL) return op_fail(p, "out of memory%s%.0llu", "", 0), NULL;
  for (k = 0; k < len; k++) {
    if (v->items[k].type != AMP_JNUM) { free(out); return op_fail(p, "'%s' holds a non-number%.0llu", key, 0), NULL; }
    out[k] = v->items[k].num;
  }
  return out;
}

static void f_transform(opctx *p, const amp_json *t, amp_transform *tr) {
  static const char *kinds[] = {"none", "standardize", "log", "log-standardize", "asinh-standardize"};
  const amp_json *kind = amp_json_get(t, "kind"), *shift = amp_json_get(t, "shift"), *scale = amp_json_get(t, "scale"), *unit = amp_json_get(t, "unit");
  int k;
  tr->kind = -1;
  if (kind != NULL && kind->type == AMP_JSTR) for (k = 0; k < 5; k++) if (strcmp(kind->str, kinds[k]) == 0) tr->kind = k;
  if (tr->kind < 0 || shift == NULL || shift->type != AMP_JNUM || scale == NULL || scale->type != AMP_JNUM) {
    op_fail(p, "its target transform is malformed%s%.0llu", "", 0);
    return;
  }
  tr->shift = shift->num;
  tr->scale = scale->num;
  tr->unit = unit != NULL && unit->type == AMP_JNUM ? unit->num : 1.0;
}

static void f_group(opctx *p, amp_op *op, size_t d) {
  const amp_json *g = amp_json_get(p->o, "group");
  const amp_json *e = amp_json_get(g, "elements");
  size_t k, G;
  if (!is_count(e) || e->num < 1 || e->num > 1e6) { op_fail(p, "its group is malformed%s%.0llu", "", 0); return; }
  G = (size_t)e->num;
  op->group.elements = (int)G;
  op->group.src = f_arr(p, g, "src", "int32", G * d, NULL);
  op->group.reflect = f_arr(p, g, "reflect", "uint8", G * d, NULL);
  op->group.reflectable = f_arr(p, g, "reflectable", "uint8", d, NULL);
  if (p->bad) return;
  for (k = 0; k < G * d; k++) if (op->group.src[k] < 0 || (size_t)op->group.src[k] >= d) { op_fail(p, "its group maps to a coordinate out of range%s%.0llu", "", 0); return; }
}

/* angularHead's fields (src/graph/ops.ts AngularHeadOp); win: the row's width, winner: the inner outputs'. */
static void f_angular(opctx *p, amp_op *op, size_t win, size_t winner) {
  amp_angular *a = &op->ang;
  const amp_json *decays = amp_json_get(p->o, "decays");
  size_t k, r, need;
  a->l_max = (int)f_int(p, "lMax");
  a->l_at = f_int(p, "lAt");
  a->e_at = f_int(p, "eAt");
  a->alpha = f_num(p, "alpha");
  a->beta = f_num(p, "beta");
  f_transform(p, amp_json_get(p->o, "transform"), &a->tr);
  if (p->bad) return;
  if (decays == NULL || decays->type != AMP_JARR || decays->n < 1 || decays->n > 3 || a->l_max > 8) {
    op_fail(p, "it needs 1 to 3 decays and lMax <= 8%s%.0llu", "", 0);
    return;
  }
  a->decays = (int)decays->n;
  a->per = (size_t)(a->l_max + 1) * (size_t)(a->l_max + 1);
  a->k_size = 1;
  a->zn = 1;
  for (k = 0; k < decays->n; k++) {
    a->k_size *= a->per;
    a->zn *= 4;
    for (r = 0; r < 2; r++) {
      const amp_json *m = amp_json_get(&decays->items[k], r == 0 ? "cos" : "phi");
      const amp_json *idx = amp_json_get(m, "index"), *off = amp_json_get(m, "offset"), *sc = amp_json_get(m, "scale");
      if (!is_count(idx) || (size_t)idx->num >= win || off == NULL || off->type != AMP_JNUM || sc == NULL || sc->type != AMP_JNUM) {
        op_fail(p, "decay %s%llu has a malformed angle map", "", k);
        return;
      }
      a->idx[2 * k + r] = (size_t)idx->num;
      a->off[2 * k + r] = off->num;
      a->scale[2 * k + r] = sc->num;
    }
  }
  need = a->e_at + a->k_size - 1 > a->l_at + a->zn * a->zn ? a->e_at + a->k_size - 1 : a->l_at + a->zn * a->zn;
  if (need > winner || a->e_at < 1 || a->l_at < 1) {
    op_fail(p, "its inner outputs are narrower than its L and e (need %s%llu)", "", need);
    return;
  }
  if (amp_angular_init(a) != AMPFIT_OK) op_fail(p, "out of memory%s%.0llu", "", 0);
}

/* Integers in [0, limit) into out: n of them. */
static void f_ints(opctx *p, const amp_json *v, const char *key, int *out, size_t n, size_t limit) {
  size_t k;
  if (p->bad) return;
  if (v == NULL || v->type != AMP_JARR || v->n != n) { op_fail(p, "'%s' is missing or does not have %llu values", key, (unsigned long long)n); return; }
  for (k = 0; k < n; k++) {
    if (!is_count(&v->items[k]) || (size_t)v->items[k].num >= limit) { op_fail(p, "'%s' holds a value out of range (at most %llu)", key, (unsigned long long)limit - 1); return; }
    out[k] = (int)v->items[k].num;
  }
}

/* Signs (+1 or -1) into out: n of them. */
static void f_signs(opctx *p, const amp_json *v, const char *key, double *out, size_t n) {
  size_t k;
  if (p->bad) return;
  if (v == NULL || v->type != AMP_JARR || v->n != n) { op_fail(p, "'%s' is missing or does not have %llu signs", key, (unsigned long long)n); return; }
  for (k = 0; k < n; k++) {
    if (v->items[k].type != AMP_JNUM || (v->items[k].num != 1 && v->items[k].num != -1)) { op_fail(p, "'%s' holds a value that is not +1 or -1%.0llu", key, 0); return; }
    out[k] = v->items[k].num;
  }
}

/* A multivector op's fields (src/graph/ops.ts MvOp) and its buffers' widths. */
static void f_mv(opctx *p, amp_op *op, const char *const *acts) {
  const amp_json *o = p->o;
  amp_mv *v = &op->mv;
  const size_t limit = 1u << 16;
  size_t k, T, mvw;
  v->tokens = T = f_int(p, "tokens");
  if (op->kind == OP_MV_LINEAR) {
    v->cin = f_int(p, "cin");
    v->cout = f_int(p, "cout");
  } else {
    v->cin = v->cout = f_int(p, "channels");
  }
  if (p->bad) return;
  if (T < 1 || T > limit || v->cin < 1 || v->cin > limit || v->cout < 1 || v->cout > limit) { op_fail(p, "its tokens or channels are out of range%s%.0llu", "", 0); return; }
  mvw = 16 * T * v->cout;
  switch (op->kind) {
    case OP_MV_EMBED: {
      check_width(p, op->input, 4 * T, "its input");
      check_width(p, op->output, 16 * T * v->cin, "its output");
      f_ints(p, amp_json_get(o, "blades"), "blades", v->blades, 4, 16);
      if (p->bad) return;
      v->class_of = malloc(T * sizeof *v->class_of);
      if (v->class_of == NULL) { op_fail(p, "out of memory%s%.0llu", "", 0); return; }
      /* channel 1 + class must exist: classes < channels - 1 */
      f_ints(p, amp_json_get(o, "classOf"), "classOf", v->class_of, T, v->cin - 1);
      if (!p->bad && v->cin < 2) op_fail(p, "it has no class channels%s%.0llu", "", 0);
      break;
    }
    case OP_MV_LINEAR: {
      const amp_json *r = amp_json_get(o, "residual");
      check_width(p, op->input, 16 * T * v->cin, "its input");
      check_width(p, op->output, mvw, "its output");
      f_ints(p, amp_json_get(o, "grade"), "grade", v->grade, 16, 5);
      f_signs(p, amp_json_get(o, "dualSign"), "dualSign", v->sign, 16);
      if (p->bad) return;
      op->w = f_arr(p, o, "w", "float64", 10 * v->cin * v->cout + v->cout, NULL);
      if (r != NULL && r->type != AMP_JNULL) {
        op->aux = f_in(p, r, "residual");
        if (!p->bad) check_width(p, op->aux, mvw, "its residual");
      }
      break;
    }
    case OP_MV_NORM:
      check_width(p, op->input, mvw, "its input");
      check_width(p, op->output, mvw, "its output");
      f_signs(p, amp_json_get(o, "metric"), "metric", v->sign, 16);
      v->eps = f_num(p, "eps");
      break;
    case OP_MV_GATE: {
      const amp_json *a = amp_json_get(o, "activation");
      const amp_json *nm = amp_json_get(a, "name"), *pa = amp_json_get(a, "param");
      check_width(p, op->input, mvw, "its input");
      check_width(p, op->output, mvw, "its output");
      op->act = -1;
      if (nm != NULL && nm->type == AMP_JSTR) for (k = 0; k < 8; k++) if (strcmp(nm->str, acts[k]) == 0) op->act = (int)k;
      if (op->act < 0 || pa == NULL || pa->type != AMP_JNUM) { op_fail(p, "unknown or malformed activation%s%.0llu", "", 0); break; }
      op->param = pa->num;
      break;
    }
    case OP_MV_BILINEAR: {
      const amp_json *t = amp_json_get(o, "table"), *sg = amp_json_get(t, "sign");
      int *idx;
      size_t n;
      check_width(p, op->input, mvw, "its left factor");
      check_width(p, op->aux, mvw, "its right factor");
      check_width(p, op->output, mvw, "its output");
      if (p->bad) return;
      if (sg == NULL || sg->type != AMP_JARR || sg->n > 16 * 16 * 16) { op_fail(p, "its table is malformed%s%.0llu", "", 0); return; }
      n = v->n_terms = sg->n;
      v->t_sign = malloc((n + 1) * sizeof *v->t_sign);
      v->t_left = malloc(n + 1);
      v->t_right = malloc(n + 1);
      v->t_out = malloc(n + 1);
      idx = malloc((n + 1) * sizeof *idx);
      if (v->t_sign == NULL || v->t_left == NULL || v->t_right == NULL || v->t_out == NULL || idx == NULL) { free(idx); op_fail(p, "out of memory%s%.0llu", "", 0); return; }
      f_signs(p, sg, "table.sign", v->t_sign, n);
      {
        static const char *fields[3] = {"left", "right", "out"};
        unsigned char *dst[3];
        size_t f;
        dst[0] = v->t_left;
        dst[1] = v->t_right;
        dst[2] = v->t_out;
        for (f = 0; f < 3; f++) {
          f_ints(p, amp_json_get(t, fields[f]), fields[f], idx, n, 16);
          for (k = 0; k < n && !p->bad; k++) dst[f][k] = (unsigned char)idx[k];
        }
      }
      free(idx);
      break;
    }
    case OP_MV_ATTENTION:
      v->heads = f_int(p, "heads");
      v->head_ch = f_int(p, "headChannels");
      v->scale = f_num(p, "scale");
      f_signs(p, amp_json_get(o, "metric"), "metric", v->sign, 16);
      if (p->bad) return;
      if (v->heads < 1 || v->heads > limit || v->head_ch > limit || v->heads * v->head_ch != v->cin) { op_fail(p, "its heads do not split its channels%s%.0llu", "", 0); return; }
      check_width(p, op->input, mvw, "its queries");
      check_width(p, op->aux, mvw, "its keys");
      check_width(p, op->aux2, mvw, "its values");
      check_width(p, op->output, mvw, "its output");
      break;
    case OP_MV_READOUT:
      check_width(p, op->input, mvw, "its input");
      check_width(p, op->output, v->cin, "its output");
      break;
    default:
      break;
  }
}

static int parse_op(ctx *c, size_t i, const amp_json *o, amp_op *op) {
  static const char *kinds[] = {"dense", "activation", "rational", "kanExpand", "gather", "concat", "momentumFeatures", "legendre",
                                "forest", "mean", "orbit", "fold", "variance", "inverseTransform", "sigma", "periodic", "angularHead",
                                "mvEmbed", "mvLinear", "mvNorm", "mvGate", "mvBilinear", "mvAttention", "mvReadout", "logEdges"};
  static const char *acts[] = {"linear", "relu", "leaky_relu", "elu", "softplus", "gelu", "silu", "tanh"};
  ampfit_model *m = c->m;
  const amp_json *kind = amp_json_get(o, "kind");
  opctx p;
  size_t k;
  memset(op, 0, sizeof *op);
  op->aux = NONE;
  op->aux2 = NONE;
  p.c = c; p.i = i; p.o = o; p.bad = 0; p.kind = "?";
  if (kind == NULL || kind->type != AMP_JSTR) return amp_fail(AMPFIT_ERR_FORMAT, "model %s: graph op %zu has no kind", c->src, i);
  op->kind = -1;
  for (k = 0; k < sizeof kinds / sizeof kinds[0]; k++) if (strcmp(kind->str, kinds[k]) == 0) op->kind = (int)k;
  p.kind = kind->str;
  if (op->kind < 0) {
    return amp_fail(AMPFIT_ERR_UNSUPPORTED, "model %s: graph op %zu is '%s', which libampfit %s does not evaluate (implemented: dense, activation, "
                    "rational, kanExpand, gather, concat, momentumFeatures, legendre, forest, mean, orbit, fold, variance, inverseTransform, sigma, periodic, "
                    "angularHead, mvEmbed, mvLinear, mvNorm, mvGate, mvBilinear, mvAttention, mvReadout, logEdges)",
                    c->src, i, kind->str, ampfit_version());
  }
  {
    /* Ops whose inputs have names of their own: the keys of input, aux and aux2 (NULL: none). */
    static const struct { int kind; const char *keys[3]; } named[] = {
      {OP_SIGMA, {"variance", "value", NULL}}, {OP_ANGULAR, {"row", "inner", NULL}},
      {OP_MV_BILINEAR, {"left", "right", NULL}}, {OP_MV_ATTENTION, {"q", "k", "v"}},
    };
    size_t *dst[3];
    size_t e, r;
    dst[0] = &op->input;
    dst[1] = &op->aux;
    dst[2] = &op->aux2;
    for (e = 0; e < sizeof named / sizeof named[0] && named[e].kind != op->kind; e++) continue;
    if (e < sizeof named / sizeof named[0]) {
      for (r = 0; r < 3 && named[e].keys[r] != NULL; r++) *dst[r] = f_in(&p, amp_json_get(o, named[e].keys[r]), named[e].keys[r]);
    } else if (op->kind != OP_CONCAT && op->kind != OP_MEAN) {
      op->input = f_in(&p, amp_json_get(o, "input"), "input");
    }
  }
  if (op->kind == OP_ORBIT) {
    if (p.bad) return AMPFIT_ERR_FORMAT;
    op->list = f_bufs(&p, "outputs", 0, &op->n_list);
    op->width = m->widths[op->input];
    for (k = 0; k < op->n_list && !p.bad; k++) check_width(&p, op->list[k], op->width, "an output");
    f_group(&p, op, op->width);
    if (!p.bad && op->n_list != (size_t)op->group.elements) op_fail(&p, "it has %s%llu outputs for its group", "", op->n_list);
    return p.bad ? AMPFIT_ERR_FORMAT : AMPFIT_OK;
  }
  switch (op->kind) {
    case OP_CONCAT: case OP_MEAN:
      op->list = f_bufs(&p, "inputs", 1, &op->n_list);
      break;
    default:
      break;
  }
  if (p.bad) return AMPFIT_ERR_FORMAT;
  op->output = f_out(&p, amp_json_get(o, "output"), "output");
  if (p.bad) return AMPFIT_ERR_FORMAT;
  {
    const size_t win = m->widths[op->input], wout = m->widths[op->output];
    switch (op->kind) {
      case OP_DENSE: {
        const amp_json *b = amp_json_get(o, "b"), *r = amp_json_get(o, "residual");
        op->n_in = f_int(&p, "nIn");
        op->n_out = f_int(&p, "nOut");
        check_width(&p, op->input, op->n_in, "its input");
        check_width(&p, op->output, op->n_out, "its output");
        if (p.bad) break;
        op->w = f_arr(&p, o, "w", "float64", op->n_in * op->n_out, NULL);
        if (b != NULL && b->type != AMP_JNULL) op->b = f_arr(&p, o, "b", "float64", op->n_out, NULL);
        if (r != NULL && r->type != AMP_JNULL) {
          op->aux = f_in(&p, r, "residual");
          if (!p.bad) check_width(&p, op->aux, op->n_out, "its residual");
        }
        break;
      }
      case OP_ACTIVATION: {
        const amp_json *a = amp_json_get(o, "activation");
        const amp_json *nm = amp_json_get(a, "name"), *pa = amp_json_get(a, "param");
        op->act = -1;
        if (nm != NULL && nm->type == AMP_JSTR) for (k = 0; k < 8; k++) if (strcmp(nm->str, acts[k]) == 0) op->act = (int)k;
        if (op->act < 0 || pa == NULL || pa->type != AMP_JNUM) { op_fail(&p, "unknown or malformed activation%s%.0llu", "", 0); break; }
        op->param = pa->num;
        op->width = win;
        check_width(&p, op->output, win, "its output");
        break;
      }
      case OP_RATIONAL: {
        size_t per;
        op->width = win;
        op->groups = (int)f_int(&p, "groups");
        op->deg_p = (int)f_int(&p, "degP");
        op->deg_q = (int)f_int(&p, "degQ");
        check_width(&p, op->output, win, "its output");
        if (p.bad) break;
        if (op->groups < 1 || win % (size_t)op->groups != 0 || op->deg_p > 64 || op->deg_q > 64) { op_fail(&p, "its groups do not divide its width%s%.0llu", "", 0); break; }
        per = (size_t)(op->deg_p + 1 + op->deg_q);
        op->w = f_arr(&p, o, "coef", "float64", (size_t)op->groups * per, NULL);
        break;
      }
      case OP_KAN:
        op->n_in = win;
        op->grid = (int)f_int(&p, "grid");
        op->lo = f_num(&p, "lo");
        op->hi = f_num(&p, "hi");
        if (!p.bad && (op->grid < 1 || op->grid > 1000000)) op_fail(&p, "its grid is out of range%s%.0llu", "", 0);
        check_width(&p, op->output, win * (size_t)(op->grid + 4), "its output");
        break;
      case OP_GATHER: {
        const amp_json *cols = amp_json_get(o, "columns");
        if (cols == NULL || cols->type != AMP_JARR || cols->n != wout) { op_fail(&p, "its columns do not fit its output%s%.0llu", "", 0); break; }
        op->list = malloc((wout == 0 ? 1 : wout) * sizeof *op->list);
        if (op->list == NULL) return amp_fail(AMPFIT_ERR_MEMORY, "out of memory");
        op->n_list = wout;
        for (k = 0; k < wout; k++) {
          if (!is_count(&cols->items[k]) || (size_t)cols->items[k].num >= win) { op_fail(&p, "column %s%llu is outside its input", "", k); break; }
          op->list[k] = (size_t)cols->items[k].num;
        }
        break;
      }
      case OP_CONCAT: {
        size_t sum = 0;
        for (k = 0; k < op->n_list; k++) sum += m->widths[op->list[k]];
        check_width(&p, op->output, sum, "its output");
        break;
      }
      case OP_MEAN: {
        const amp_json *ord = amp_json_get(o, "order");
        op->width = wout;
        for (k = 0; k < op->n_list; k++) check_width(&p, op->list[k], wout, "an input");
        if (ord == NULL || ord->type != AMP_JSTR || (strcmp(ord->str, "sum-then-divide") != 0 && strcmp(ord->str, "divide-then-sum") != 0)) {
          op_fail(&p, "unknown order%s%.0llu", "", 0);
          break;
        }
        op->sum_then_divide = strcmp(ord->str, "sum-then-divide") == 0;
        break;
      }
      case OP_MOMENTA: {
        const amp_json *spec = amp_json_get(o, "spec"), *layout = amp_json_get(spec, "layout");
        const amp_json *parts = amp_json_get(layout, "particles"), *inc = amp_json_get(layout, "incoming"), *tol = amp_json_get(layout, "tolerance");
        const amp_json *feat = amp_json_get(spec, "features"), *scale = amp_json_get(spec, "momentum_scale");
        size_t np, pairs, fw;
        if (parts == NULL || parts->type != AMP_JARR || parts->n < 2 || parts->n > 64 || !is_count(inc) || tol == NULL || tol->type != AMP_JNUM ||
            feat == NULL || feat->type != AMP_JSTR || scale == NULL || scale->type != AMP_JNUM) {
          op_fail(&p, "its spec is malformed%s%.0llu", "", 0);
          break;
        }
        np = parts->n;
        pairs = np * (np - 1) / 2;
        op->mom.n_particles = (int)np;
        op->mom.incoming = (int)inc->num;
        op->mom.tolerance = tol->num;
        op->mom.inv_scale = 1 / scale->num;
        if (strcmp(feat->str, "momenta") == 0) op->mom.features = 0;
        else if (strcmp(feat->str, "invariants") == 0) op->mom.features = 1;
        else if (strcmp(feat->str, "momenta+invariants") == 0) op->mom.features = 2;
        else { op_fail(&p, "unknown features '%s'%.0llu", feat->str, 0); break; }
        op->mom.shift = f_nums(&p, amp_json_get(spec, "invariant_shift"), "invariant_shift", pairs);
        op->mom.scale = f_nums(&p, amp_json_get(spec, "invariant_scale"), "invariant_scale", pairs);
        fw = (op->mom.features != 1 ? 4 * np : 0) + (op->mom.features != 0 ? pairs : 0);
        check_width(&p, op->input, 4 * np, "its input");
        check_width(&p, op->output, fw, "its output");
        break;
      }
      case OP_LEGENDRE:
        op->n_in = win;
        op->degree = (int)f_int(&p, "degree");
        op->n_out = f_int(&p, "nTerms");
        check_width(&p, op->output, 1, "its output");
        if (p.bad) break;
        if (op->degree > 1000) { op_fail(&p, "its degree is out of range%s%.0llu", "", 0); break; }
        op->terms = f_arr(&p, o, "terms", "uint8", op->n_out * win, NULL);
        op->w = f_arr(&p, o, "coef", "float64", op->n_out, NULL);
        if (!p.bad) for (k = 0; k < op->n_out * win; k++) if (op->terms[k] > op->degree) { op_fail(&p, "a term exceeds the degree%s%.0llu", "", 0); break; }
        break;
      case OP_FOREST: {
        const amp_json *f = amp_json_get(o, "forest"), *base = amp_json_get(f, "baseScore"), *dim = amp_json_get(f, "inputDim");
        size_t n_off, t;
        if (base == NULL || base->type != AMP_JNUM || !is_count(dim)) { op_fail(&p, "its forest is malformed%s%.0llu", "", 0); break; }
        check_width(&p, op->input, (size_t)dim->num, "its input");
        check_width(&p, op->output, 1, "its output");
        op->base = base->num;
        op->left = f_arr(&p, f, "left", "int32", NONE, &op->n_nodes);
        if (p.bad) break;
        op->tree_offset = f_arr(&p, f, "treeOffset", "int32", NONE, &n_off);
        op->feature = f_arr(&p, f, "feature", "uint16", op->n_nodes, NULL);
        op->threshold = f_arr(&p, f, "threshold", "float32", op->n_nodes, NULL);
        op->value = f_arr(&p, f, "value", "float64", op->n_nodes, NULL);
        if (p.bad) break;
        if (n_off < 1 || op->tree_offset[0] != 0 || (size_t)op->tree_offset[n_off - 1] != op->n_nodes) { op_fail(&p, "its tree offsets are malformed%s%.0llu", "", 0); break; }
        op->n_trees = n_off - 1;
        /* Every walk must end at a leaf inside its tree: children strictly after their parent. */
        for (t = 0; t < op->n_trees && !p.bad; t++) {
          const int32_t off = op->tree_offset[t], end = op->tree_offset[t + 1];
          int32_t j;
          if (end <= off) { op_fail(&p, "tree %s%llu is empty", "", t); break; }
          for (j = off; j < end; j++) {
            const int32_t l = op->left[j];
            if (l >= 0 && (l <= j - off || (int64_t)off + l + 1 >= end || op->feature[j] >= win)) { op_fail(&p, "tree %s%llu has a bad node", "", t); break; }
          }
        }
        break;
      }
      case OP_FOLD:
        op->width = win;
        check_width(&p, op->output, win, "its output");
        f_group(&p, op, win);
        break;
      case OP_VARIANCE:
        op->width = win;
        op->lo = f_num(&p, "logVarMin");
        op->hi = f_num(&p, "logVarMax");
        check_width(&p, op->output, win, "its output");
        break;
      case OP_INVERSE:
        check_width(&p, op->input, 1, "its input");
        check_width(&p, op->output, 1, "its output");
        f_transform(&p, amp_json_get(o, "transform"), &op->tr);
        break;
      case OP_SIGMA:
        check_width(&p, op->input, 1, "its variance");
        check_width(&p, op->aux, 1, "its value");
        check_width(&p, op->output, 1, "its output");
        op->param = f_num(&p, "scale");
        f_transform(&p, amp_json_get(o, "transform"), &op->tr);
        break;
      case OP_ANGULAR:
        f_angular(&p, op, win, m->widths[op->aux]);
        check_width(&p, op->output, 1, "its output");
        break;
      case OP_PERIODIC:
        op->width = win;
        op->periods = f_nums(&p, amp_json_get(o, "periods"), "periods", win);
        check_width(&p, op->output, 2 * win, "its output");
        break;
      case OP_LOG_EDGES:
        op->width = win;
        op->lo = f_num(&p, "floor");
        if (!p.bad && !(op->lo > 0 && op->lo < 0.5)) op_fail(&p, "its floor is not in (0, 0.5)%s%.0llu", "", 0);
        check_width(&p, op->output, 2 * win, "its output");
        break;
      case OP_MV_EMBED: case OP_MV_LINEAR: case OP_MV_NORM: case OP_MV_GATE: case OP_MV_BILINEAR: case OP_MV_ATTENTION: case OP_MV_READOUT:
        f_mv(&p, op, acts);
        break;
      default:
        break;
    }
  }
  if (p.bad) return AMPFIT_ERR_FORMAT;
  c->written[op->output] = 1;
  return AMPFIT_OK;
}

static void free_ops(ampfit_model *m) {
  size_t i;
  if (m->ops == NULL) return;
  for (i = 0; i < m->n_ops; i++) {
    free(m->ops[i].list);
    free(m->ops[i].periods);
    amp_angular_free(&m->ops[i].ang);
    amp_mv_free(&m->ops[i].mv);
    free(m->ops[i].mom.shift);
    free(m->ops[i].mom.scale);
  }
  free(m->ops);
}

void ampfit_free(ampfit_model *m) {
  size_t i;
  if (m == NULL) return;
  amp_plan_free(m);
  free_ops(m);
  if (m->names != NULL) for (i = 0; i < m->dim; i++) free(m->names[i]);
  free(m->names);
  free(m->lo);
  free(m->hi);
  free(m->widths);
  free(m->info);
  amp_json_free(m->header);
  free(m->bytes);
  free(m);
}

static uint64_t u64le(const unsigned char *p) {
  uint64_t v = 0;
  int k;
  for (k = 7; k >= 0; k--) v = v << 8 | p[k];
  return v;
}

/* A JSON slice of the header for ampfit_info, or "null". */
static size_t quote(char *out, size_t at, size_t cap, const char *text, const amp_json *v) {
  const char *s = v == NULL ? "null" : text + v->start;
  const size_t n = v == NULL ? 4 : v->end - v->start;
  if (at + n < cap) memcpy(out + at, s, n);
  return at + n;
}

static int build_info(ampfit_model *m, const char *text) {
  const amp_json *h = m->header;
  const amp_json *reg = amp_json_get(h, "regressor");
  const amp_json *parts[5];
  static const char *keys[5] = {"inputs", "target", "input_domain", "parameter_count", "metrics"};
  size_t cap = 256, at, k;
  char head[256];
  parts[0] = amp_json_get(h, "inputs");
  parts[1] = amp_json_get(h, "target");
  parts[2] = amp_json_get(h, "input_domain");
  parts[3] = amp_json_get(h, "parameter_count");
  parts[4] = amp_json_get(h, "metrics");
  for (k = 0; k < 5; k++) cap += parts[k] == NULL ? 4 : parts[k]->end - parts[k]->start + 32;
  cap += reg == NULL ? 4 : 64;
  m->info = malloc(cap);
  if (m->info == NULL) return amp_fail(AMPFIT_ERR_MEMORY, "out of memory");
  at = (size_t)snprintf(head, sizeof head, "{\"libampfit\":\"%s\",\"input_kind\":\"%s\",\"has_sigma\":%s,\"ops\":%zu,\"type\":",
                        ampfit_version(), m->input_kind == 1 ? "momenta" : "coordinates", m->out_sigma != NONE ? "true" : "false", m->n_ops);
  memcpy(m->info, head, at);
  at = quote(m->info, at, cap, text, amp_json_get(reg, "type"));
  for (k = 0; k < 5; k++) {
    at += (size_t)snprintf(m->info + at, cap - at, ",\"%s\":", keys[k]);
    at = quote(m->info, at, cap, text, parts[k]);
  }
  m->info[at++] = '}';
  m->info[at] = '\0';
  return AMPFIT_OK;
}

static int load_graph(ampfit_model *m, ctx *c, const amp_json *g) {
  const amp_json *ver = amp_json_get(g, "version"), *widths = amp_json_get(g, "widths"), *ops = amp_json_get(g, "ops");
  const amp_json *outs = amp_json_get(g, "outputs"), *input = amp_json_get(g, "input");
  const amp_json *kind = amp_json_get(input, "kind"), *val = amp_json_get(outs, "value"), *sig = amp_json_get(outs, "sigma");
  size_t k;
  int st;
  if (!is_count(ver)) return amp_fail(AMPFIT_ERR_FORMAT, "model %s: the stored graph has no version", c->src);
  if (ver->num != GRAPH_VERSION) {
    return amp_fail(AMPFIT_ERR_UNSUPPORTED, "model %s: graph format version %g; libampfit %s reads version %d", c->src, ver->num, ampfit_version(), GRAPH_VERSION);
  }
  if (widths == NULL || widths->type != AMP_JARR || widths->n < 1 || ops == NULL || ops->type != AMP_JARR || kind == NULL || kind->type != AMP_JSTR || !is_count(val)) {
    return amp_fail(AMPFIT_ERR_FORMAT, "model %s: the stored graph lacks widths, ops, input or outputs", c->src);
  }
  m->n_bufs = widths->n;
  m->widths = malloc(m->n_bufs * sizeof *m->widths);
  c->written = calloc(m->n_bufs, 1);
  if (m->widths == NULL || c->written == NULL) return amp_fail(AMPFIT_ERR_MEMORY, "out of memory");
  for (k = 0; k < m->n_bufs; k++) {
    if (!is_count(&widths->items[k]) || widths->items[k].num < 1 || widths->items[k].num > 1e8) return amp_fail(AMPFIT_ERR_FORMAT, "model %s: graph buffer %zu has a bad width", c->src, k);
    m->widths[k] = (size_t)widths->items[k].num;
  }
  if (m->widths[0] != m->dim) return amp_fail(AMPFIT_ERR_FORMAT, "model %s: the graph reads %zu inputs, the header names %zu", c->src, m->widths[0], m->dim);
  m->input_kind = strcmp(kind->str, "momenta") == 0;
  c->written[0] = 1;
  m->ops = calloc(ops->n == 0 ? 1 : ops->n, sizeof *m->ops);
  if (m->ops == NULL) return amp_fail(AMPFIT_ERR_MEMORY, "out of memory");
  for (k = 0; k < ops->n; k++) {
    st = parse_op(c, k, &ops->items[k], &m->ops[k]);
    m->n_ops = k + 1;
    if (st != AMPFIT_OK) return st;
    if (m->ops[k].kind == OP_MOMENTA && m->ops[k].input == 0 && m->momenta_check == NULL) m->momenta_check = &m->ops[k];
  }
  m->out_value = (size_t)val->num;
  m->out_sigma = is_count(sig) ? (size_t)sig->num : NONE;
  if (m->out_value >= m->n_bufs || !c->written[m->out_value] || m->widths[m->out_value] != 1 ||
      (m->out_sigma != NONE && (m->out_sigma >= m->n_bufs || !c->written[m->out_sigma] || m->widths[m->out_sigma] != 1))) {
    return amp_fail(AMPFIT_ERR_FORMAT, "model %s: the graph's outputs are not 1-wide buffers its ops write", c->src);
  }
  return amp_plan(m);
}

/* header.input_domain, or what src/models/domain.ts storedDomain implies for older models. */
static int load_domain(ampfit_model *m, const char *src) {
  const amp_json *dom = amp_json_get(m->header, "input_domain");
  const amp_json *kind = amp_json_get(dom, "kind");
  size_t j;
  if (dom == NULL) {
    const amp_json *mom = amp_json_get(amp_json_get(amp_json_get(m->header, "config"), "data"), "momenta");
    if (mom != NULL && mom->type != AMP_JNULL) return AMPFIT_OK; /* a momentum model of before the domain was stored: no box */
  } else if (kind == NULL || kind->type != AMP_JSTR) {
    return amp_fail(AMPFIT_ERR_FORMAT, "model %s: input_domain has no kind", src);
  }
  m->lo = malloc(m->dim * sizeof *m->lo);
  m->hi = malloc(m->dim * sizeof *m->hi);
  if (m->lo == NULL || m->hi == NULL) return amp_fail(AMPFIT_ERR_MEMORY, "out of memory");
  if (dom == NULL || strcmp(kind->str, "unit-cube") == 0) {
    for (j = 0; j < m->dim; j++) { m->lo[j] = 0; m->hi[j] = 1; }
    return AMPFIT_OK;
  }
  if (strcmp(kind->str, "training-range") == 0) {
    const amp_json *lo = amp_json_get(dom, "lo"), *hi = amp_json_get(dom, "hi");
    if (lo == NULL || hi == NULL || lo->type != AMP_JARR || hi->type != AMP_JARR || lo->n != m->dim || hi->n != m->dim) {
      return amp_fail(AMPFIT_ERR_FORMAT, "model %s: input_domain's lo/hi do not have %zu numbers", src, m->dim);
    }
    for (j = 0; j < m->dim; j++) {
      if (lo->items[j].type != AMP_JNUM || hi->items[j].type != AMP_JNUM) return amp_fail(AMPFIT_ERR_FORMAT, "model %s: input_domain holds a non-number", src);
      m->lo[j] = lo->items[j].num;
      m->hi[j] = hi->items[j].num;
    }
    return AMPFIT_OK;
  }
  return amp_fail(AMPFIT_ERR_UNSUPPORTED, "model %s: input_domain kind '%s' is unknown to libampfit %s", src, kind->str, ampfit_version());
}

static int load_bytes(unsigned char *bytes, size_t n, const char *src, ampfit_model **out) {
  ampfit_model *m;
  unsigned char digest[32];
  uint64_t h, b;
  uint32_t version;
  char err[512];
  ctx c;
  const amp_json *fmt, *inputs, *graph;
  size_t j;
  int st;
  const double one = 1.0;
  if (((const unsigned char *)&one)[7] != 0x3f) { free(bytes); return amp_fail(AMPFIT_ERR_UNSUPPORTED, "libampfit reads model files on little-endian hosts only"); }
  if (n < PREFIX + HASH) { free(bytes); return amp_fail(AMPFIT_ERR_FORMAT, "model %s: truncated (%zu bytes, smaller than an empty model)", src, n); }
  if (memcmp(bytes, "AMPFIT\r\n", 8) != 0) { free(bytes); return amp_fail(AMPFIT_ERR_FORMAT, "model %s: not an ampfit model file (bad magic bytes)", src); }
  version = (uint32_t)bytes[8] | (uint32_t)bytes[9] << 8 | (uint32_t)bytes[10] << 16 | (uint32_t)bytes[11] << 24;
  if (version > FORMAT_VERSION) { free(bytes); return amp_fail(AMPFIT_ERR_UNSUPPORTED, "model %s: format version %u is newer than libampfit %s reads (%d)", src, version, ampfit_version(), FORMAT_VERSION); }
  if (version < 1) { free(bytes); return amp_fail(AMPFIT_ERR_FORMAT, "model %s: unknown format version %u", src, version); }
  h = u64le(bytes + 16);
  b = u64le(bytes + 24);
  if (h > n || b > n || PREFIX + h + b + HASH != n) {
    free(bytes);
    if (h <= n && b <= n && PREFIX + h + b + HASH > n) return amp_fail(AMPFIT_ERR_FORMAT, "model %s: truncated: %zu bytes, header says %llu", src, n, (unsigned long long)(PREFIX + h + b + HASH));
    return amp_fail(AMPFIT_ERR_FORMAT, "model %s: its lengths (header %llu, arrays %llu) do not add up to its %zu bytes", src, (unsigned long long)h, (unsigned long long)b, n);
  }
  amp_sha256(bytes, PREFIX + h + b, digest);
  if (memcmp(digest, bytes + PREFIX + h + b, HASH) != 0) { free(bytes); return amp_fail(AMPFIT_ERR_CHECKSUM, "model %s: checksum mismatch: the file is corrupted or was modified", src); }
  m = calloc(1, sizeof *m);
  if (m == NULL) { free(bytes); return amp_fail(AMPFIT_ERR_MEMORY, "out of memory"); }
  m->bytes = bytes;
  m->n_bytes = n;
  m->out_sigma = NONE;
  m->header = amp_json_parse((const char *)bytes + PREFIX, (size_t)h, err, sizeof err);
  if (m->header == NULL) { ampfit_free(m); return amp_fail(AMPFIT_ERR_FORMAT, "model %s: header is not valid JSON: %s", src, err); }
  fmt = amp_json_get(m->header, "format");
  if (fmt == NULL || fmt->type != AMP_JSTR || strcmp(fmt->str, "ampfit-model") != 0) { ampfit_free(m); return amp_fail(AMPFIT_ERR_FORMAT, "model %s: header format is not 'ampfit-model'", src); }
  inputs = amp_json_get(m->header, "inputs");
  if (inputs == NULL || inputs->type != AMP_JARR || inputs->n == 0) { ampfit_free(m); return amp_fail(AMPFIT_ERR_FORMAT, "model %s: the header names no inputs", src); }
  m->names = calloc(inputs->n, sizeof *m->names);
  if (m->names == NULL) { ampfit_free(m); return amp_fail(AMPFIT_ERR_MEMORY, "out of memory"); }
  m->dim = inputs->n;
  for (j = 0; j < m->dim; j++) {
    if (inputs->items[j].type != AMP_JSTR) { ampfit_free(m); return amp_fail(AMPFIT_ERR_FORMAT, "model %s: input %zu is not a name", src, j); }
    m->names[j] = malloc(strlen(inputs->items[j].str) + 1);
    if (m->names[j] == NULL) { ampfit_free(m); return amp_fail(AMPFIT_ERR_MEMORY, "out of memory"); }
    strcpy(m->names[j], inputs->items[j].str);
  }
  graph = amp_json_get(m->header, "graph");
  if (graph == NULL) {
    ampfit_free(m);
    return amp_fail(AMPFIT_ERR_UNSUPPORTED,
                    "model %s has no stored model graph (it was saved by an ampfit that did not store one); write a copy that has it with "
                    "`ampfit export --format ampfit --model <model dir> --out <file>` and load that", src);
  }
  c.src = src;
  c.arrays = amp_json_get(m->header, "arrays");
  c.blob = bytes + PREFIX + h;
  c.blob_len = (size_t)b;
  c.version = (int)version;
  c.m = m;
  c.written = NULL;
  st = load_graph(m, &c, graph);
  free(c.written);
  if (st == AMPFIT_OK) st = load_domain(m, src);
  if (st == AMPFIT_OK) st = build_info(m, (const char *)bytes + PREFIX);
  if (st == AMPFIT_OK) st = amp_physics_load(m, src);
  if (st != AMPFIT_OK) { ampfit_free(m); return st; }
  *out = m;
  amp_clear_error();
  return AMPFIT_OK;
}

int ampfit_load_memory(const void *bytes, size_t n_bytes, ampfit_model **out) {
  unsigned char *copy;
  if (out == NULL || (bytes == NULL && n_bytes > 0)) return amp_fail(AMPFIT_ERR_ARGUMENT, "ampfit_load_memory: NULL argument");
  *out = NULL;
  copy = malloc(n_bytes == 0 ? 1 : n_bytes);
  if (copy == NULL) return amp_fail(AMPFIT_ERR_MEMORY, "ampfit_load_memory: cannot allocate %zu bytes", n_bytes);
  if (n_bytes > 0) memcpy(copy, bytes, n_bytes);
  return load_bytes(copy, n_bytes, "(memory)", out);
}

int ampfit_load(const char *path, ampfit_model **out) {
  struct stat st;
  char *file;
  FILE *f;
  unsigned char *bytes;
  size_t n, got;
  long size;
  int rc;
  if (out == NULL || path == NULL) return amp_fail(AMPFIT_ERR_ARGUMENT, "ampfit_load: NULL argument");
  *out = NULL;
  file = malloc(strlen(path) + 16);
  if (file == NULL) return amp_fail(AMPFIT_ERR_MEMORY, "out of memory");
  strcpy(file, path);
  /* A model directory holds model.ampfit (src/io/modelStore.ts). */
  if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) strcat(file, "/model.ampfit");
  f = fopen(file, "rb");
  if (f == NULL) {
    rc = amp_fail(AMPFIT_ERR_IO, "cannot open model %s: %s", file, strerror(errno));
    free(file);
    return rc;
  }
  if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
    fclose(f);
    rc = amp_fail(AMPFIT_ERR_IO, "cannot read model %s: not a regular file", file);
    free(file);
    return rc;
  }
  n = (size_t)size;
  bytes = malloc(n == 0 ? 1 : n);
  if (bytes == NULL) { fclose(f); free(file); return amp_fail(AMPFIT_ERR_MEMORY, "cannot allocate %zu bytes for the model", n); }
  got = fread(bytes, 1, n, f);
  fclose(f);
  if (got != n) { free(bytes); rc = amp_fail(AMPFIT_ERR_IO, "cannot read model %s: short read", file); free(file); return rc; }
  rc = load_bytes(bytes, n, file, out);
  free(file);
  return rc;
}

int ampfit_input_dim(const ampfit_model *m, size_t *dim) {
  if (m == NULL || dim == NULL) return amp_fail(AMPFIT_ERR_ARGUMENT, "ampfit_input_dim: NULL argument");
  *dim = m->dim;
  return AMPFIT_OK;
}

int ampfit_input_kind(const ampfit_model *m, int *kind) {
  if (m == NULL || kind == NULL) return amp_fail(AMPFIT_ERR_ARGUMENT, "ampfit_input_kind: NULL argument");
  *kind = m->input_kind;
  return AMPFIT_OK;
}

int ampfit_input_name(const ampfit_model *m, size_t i, const char **name) {
  if (m == NULL || name == NULL) return amp_fail(AMPFIT_ERR_ARGUMENT, "ampfit_input_name: NULL argument");
  if (i >= m->dim) return amp_fail(AMPFIT_ERR_ARGUMENT, "ampfit_input_name: input %zu of a model with %zu", i, m->dim);
  *name = m->names[i];
  return AMPFIT_OK;
}

int ampfit_domain(const ampfit_model *m, double *lo, double *hi) {
  size_t j;
  if (m == NULL || lo == NULL || hi == NULL) return amp_fail(AMPFIT_ERR_ARGUMENT, "ampfit_domain: NULL argument");
  for (j = 0; j < m->dim; j++) {
    lo[j] = m->lo == NULL ? -HUGE_VAL : m->lo[j];
    hi[j] = m->hi == NULL ? HUGE_VAL : m->hi[j];
  }
  return AMPFIT_OK;
}

int ampfit_has_sigma(const ampfit_model *m, int *has_sigma) {
  if (m == NULL || has_sigma == NULL) return amp_fail(AMPFIT_ERR_ARGUMENT, "ampfit_has_sigma: NULL argument");
  *has_sigma = m->out_sigma != NONE;
  return AMPFIT_OK;
}

int ampfit_info(const ampfit_model *m, const char **json) {
  if (m == NULL || json == NULL) return amp_fail(AMPFIT_ERR_ARGUMENT, "ampfit_info: NULL argument");
  *json = m->info;
  return AMPFIT_OK;
}
