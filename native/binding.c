/* Node-API surface of the kernels. Before any kernel runs, every argument is
 * checked as far as memory safety needs: types, integral dimensions, exact
 * typed-array lengths (and, for the tree kernels, overlaps and index ranges).
 * A bad call throws a JS TypeError or RangeError whose message matches
 * src/kernels/checks.ts word for word, so both backends fail the same way;
 * nothing here may crash or exit the process. */
#include <math.h>
#include <node_api.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "dispatch_mv.h"
#include "dispatch_trees.h"
#include "kernels/activations.h"
#include "kernels/kan.h"
#include "kernels/rational.h"
#include "kernels/simd.h"
#include "threads.h"

#define MAX_DIM 2147483647.0
#define MAX_STEP 9007199254740992.0

typedef struct {
  double *p;
  size_t len;
  int present;
} arr_t;

/* Shortest round-trip decimal, close to what JS prints for the same number. */
static void fmt_num(char *buf, size_t cap, double d) {
  if (isnan(d)) {
    snprintf(buf, cap, "NaN");
  } else if (isinf(d)) {
    snprintf(buf, cap, d > 0 ? "Infinity" : "-Infinity");
  } else if (d == floor(d) && fabs(d) < 1e21) {
    snprintf(buf, cap, "%.0f", d);
  } else {
    for (int prec = 1; prec <= 17; prec++) {
      snprintf(buf, cap, "%.*g", prec, d);
      if (strtod(buf, 0) == d) break;
    }
  }
}

static void throw_msg(napi_env env, int range, const char *fn, const char *fmt, ...) {
  char msg[640];
  int off = snprintf(msg, sizeof msg, "ampfit kernels: %s: ", fn);
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg + off, sizeof msg - (size_t)off, fmt, ap);
  va_end(ap);
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (pending) return;
  if (range)
    napi_throw_range_error(env, 0, msg);
  else
    napi_throw_type_error(env, 0, msg);
}

static int get_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv,
                    const char *fn) {
  size_t argc = want;
  if (napi_get_cb_info(env, info, &argc, argv, 0, 0) != napi_ok) {
    throw_msg(env, 0, fn, "cannot read arguments");
    return -1;
  }
  if (argc < want) {
    throw_msg(env, 0, fn, "expected %zu arguments, got %zu", want, argc);
    return -1;
  }
  return 0;
}

static int get_number(napi_env env, napi_value v, const char *fn, const char *name, double *out) {
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_number ||
      napi_get_value_double(env, v, out) != napi_ok) {
    throw_msg(env, 0, fn, "%s must be a number", name);
    return -1;
  }
  return 0;
}

static int get_finite(napi_env env, napi_value v, const char *fn, const char *name, double *out) {
  if (get_number(env, v, fn, name, out)) return -1;
  if (!isfinite(*out)) {
    char b[64];
    fmt_num(b, sizeof b, *out);
    throw_msg(env, 1, fn, "%s must be a finite number (got %s)", name, b);
    return -1;
  }
  return 0;
}

static int get_int_in(napi_env env, napi_value v, const char *fn, const char *name, double lo,
                      double hi, long *out) {
  double d;
  if (get_number(env, v, fn, name, &d)) return -1;
  if (!(d >= lo && d <= hi && floor(d) == d)) {
    char b[64], l[32], h[32];
    fmt_num(b, sizeof b, d);
    fmt_num(l, sizeof l, lo);
    fmt_num(h, sizeof h, hi);
    throw_msg(env, 1, fn, "%s must be an integer in [%s, %s] (got %s)", name, l, h, b);
    return -1;
  }
  *out = (long)d;
  return 0;
}

static int get_dim(napi_env env, napi_value v, const char *fn, const char *name, long *out) {
  return get_int_in(env, v, fn, name, 0.0, MAX_DIM, out);
}

static int get_bool(napi_env env, napi_value v, const char *fn, const char *name, int *out) {
  napi_valuetype t;
  bool b = false;
  if (napi_typeof(env, v, &t) != napi_ok || t != napi_boolean ||
      napi_get_value_bool(env, v, &b) != napi_ok) {
    throw_msg(env, 0, fn, "%s must be a boolean", name);
    return -1;
  }
  *out = b ? 1 : 0;
  return 0;
}

static int get_arr(napi_env env, napi_value v, const char *fn, const char *name, int nullable,
                   arr_t *out) {
  out->p = 0;
  out->len = 0;
  out->present = 0;
  napi_valuetype t;
  if (napi_typeof(env, v, &t) != napi_ok) t = napi_undefined;
  if (nullable && (t == napi_null || t == napi_undefined)) return 0;
  bool is_ta = false;
  if (napi_is_typedarray(env, v, &is_ta) == napi_ok && is_ta) {
    napi_typedarray_type type;
    size_t len = 0;
    void *data = 0;
    napi_value ab;
    size_t off = 0;
    if (napi_get_typedarray_info(env, v, &type, &len, &data, &ab, &off) == napi_ok &&
        type == napi_float64_array) {
      out->p = (double *)data;
      out->len = data ? len : 0;
      out->present = 1;
      return 0;
    }
  }
  throw_msg(env, 0, fn, nullable ? "%s must be a Float64Array or null" : "%s must be a Float64Array",
            name);
  return -1;
}

static int want_len(napi_env env, const char *fn, const char *name, const arr_t *a,
                    long long expected, const char *expr) {
  if (!a->present) return 0;
  if ((long long)a->len != expected) {
    throw_msg(env, 1, fn, "%s has length %zu, expected %s = %lld", name, a->len, expr, expected);
    return -1;
  }
  return 0;
}

static napi_value undefined(napi_env env) {
  napi_value u;
  napi_get_undefined(env, &u);
  return u;
}

static napi_value oom(napi_env env, const char *fn) {
  char msg[128];
  snprintf(msg, sizeof msg, "ampfit kernels: %s: out of memory for scratch buffers", fn);
  napi_throw_error(env, 0, msg);
  return 0;
}

static int want_matrix(napi_env env, const char *fn, const char *name, const arr_t *a, long rows,
                       long cols, long ld) {
  long long need = (rows == 0 || cols == 0) ? 0 : (long long)(rows - 1) * ld + cols;
  if ((long long)a->len < need) {
    throw_msg(env, 1, fn,
              "%s has length %zu, needs at least %lld for a %ldx%ld matrix with leading "
              "dimension %ld",
              name, a->len, need, rows, cols, ld);
    return -1;
  }
  return 0;
}

static int want_ld(napi_env env, const char *fn, const char *name, long ld, long cols) {
  long need = cols > 1 ? cols : 1;
  if (ld < need) {
    throw_msg(env, 1, fn, "%s must be at least %ld (got %ld)", name, need, ld);
    return -1;
  }
  return 0;
}

/* ---- every kernel's arguments, table-driven.
 * The TypeScript wrapper (src/kernels/native.ts) runs src/kernels/checks.ts
 * (and rationalChecks.ts, kanChecks.ts, angularHeadChecks.ts,
 * treeChecks.ts) first: the semantic
 * checks — which arrays may alias, a linear activation for z = y, λ ≥ 0, a
 * histogram slot written once — live there once. Here each function is a
 * table of its arguments, read by one parser, and a table of the lengths
 * memory safety needs; a direct call that breaks them still gets the same
 * words as the TypeScript checks, never a crash. ---- */

typedef struct {
  void *p;
  size_t len; /* elements */
  size_t bytes;
  napi_typedarray_type type;
} tarr_t;

typedef enum {
  ARG_F64, ARG_F64_OR_NULL, ARG_DIM, ARG_INT, ARG_FINITE, ARG_BOOL,
  /* the tree kernels' typed arrays (read as tarr_t, with their byte extent for the overlap
   * checks); ARG_BINS is a Uint8Array or a Uint16Array */
  ARG_I32, ARG_U32, ARG_U16, ARG_U8, ARG_F32, ARG_TF64, ARG_BINS
} arg_kind;

typedef struct {
  arg_kind kind;
  const char *name;
  double lo, hi; /* ARG_INT's range */
  /* a typed array the kernel writes: it may overlap no other array argument
   * (an output over an index array would rewrite indices checked here) */
  int out;
} arg_spec;

typedef struct {
  arr_t a;  /* ARG_F64, ARG_F64_OR_NULL */
  tarr_t t; /* ARG_I32 … ARG_BINS */
  long i;   /* ARG_DIM, ARG_INT, ARG_BOOL (0/1) */
  double d; /* ARG_FINITE */
} arg_val;

#define MAX_ARGS 18 /* splitFind's */
#define ARGS(spec) spec, sizeof spec / sizeof spec[0]

static int get_typed_any(napi_env env, napi_value v, tarr_t *out) {
  bool is_ta = false;
  if (napi_is_typedarray(env, v, &is_ta) != napi_ok || !is_ta) return -1;
  napi_value ab;
  size_t off = 0;
  void *data = 0;
  if (napi_get_typedarray_info(env, v, &out->type, &out->len, &data, &ab, &off) != napi_ok) return -1;
  size_t el = 1;
  switch (out->type) {
    case napi_uint16_array: el = 2; break;
    case napi_int32_array: case napi_uint32_array: case napi_float32_array: el = 4; break;
    case napi_float64_array: el = 8; break;
    default: el = 1;
  }
  out->p = data;
  if (!data) out->len = 0;
  out->bytes = out->len * el;
  return 0;
}

static int is_typed_kind(arg_kind k) { return k >= ARG_I32; }

/* The typed-array kinds: what the array must be, in the words of treeChecks.ts. */
static int get_typed(napi_env env, napi_value v, const char *fn, const arg_spec *s, tarr_t *out) {
  static const struct {
    napi_typedarray_type type;
    const char *what;
  } KINDS[] = {
      [ARG_I32 - ARG_I32] = {napi_int32_array, "Int32Array"},
      [ARG_U32 - ARG_I32] = {napi_uint32_array, "Uint32Array"},
      [ARG_U16 - ARG_I32] = {napi_uint16_array, "Uint16Array"},
      [ARG_U8 - ARG_I32] = {napi_uint8_array, "Uint8Array"},
      [ARG_F32 - ARG_I32] = {napi_float32_array, "Float32Array"},
      [ARG_TF64 - ARG_I32] = {napi_float64_array, "Float64Array"},
      [ARG_BINS - ARG_I32] = {napi_uint8_array, "Uint8Array or Uint16Array"},
  };
  const int bad = get_typed_any(env, v, out);
  if (s->kind == ARG_BINS) {
    if (!bad && (out->type == napi_uint8_array || out->type == napi_uint16_array)) return 0;
  } else if (!bad && out->type == KINDS[s->kind - ARG_I32].type) {
    return 0;
  }
  throw_msg(env, 0, fn, "%s must be a %s", s->name, KINDS[s->kind - ARG_I32].what);
  return -1;
}

static int parse_args(napi_env env, napi_callback_info info, const char *fn, const arg_spec *spec,
                      size_t count, arg_val *v) {
  napi_value argv[MAX_ARGS];
  if (get_args(env, info, count, argv, fn)) return -1;
  for (size_t i = 0; i < count; i++) {
    const arg_spec *s = &spec[i];
    int b = 0, bad = 0;
    switch (s->kind) {
      case ARG_F64: bad = get_arr(env, argv[i], fn, s->name, 0, &v[i].a); break;
      case ARG_F64_OR_NULL: bad = get_arr(env, argv[i], fn, s->name, 1, &v[i].a); break;
      case ARG_DIM: bad = get_dim(env, argv[i], fn, s->name, &v[i].i); break;
      case ARG_INT: bad = get_int_in(env, argv[i], fn, s->name, s->lo, s->hi, &v[i].i); break;
      case ARG_FINITE: bad = get_finite(env, argv[i], fn, s->name, &v[i].d); break;
      case ARG_BOOL:
        bad = get_bool(env, argv[i], fn, s->name, &b);
        v[i].i = b;
        break;
      case ARG_I32: case ARG_U32: case ARG_U16: case ARG_U8: case ARG_F32: case ARG_TF64:
      case ARG_BINS:
        bad = get_typed(env, argv[i], fn, s, &v[i].t);
        break;
    }
    if (bad) return -1;
  }
  return 0;
}

typedef struct {
  int arg;
  long long expected;
  const char *expr;
} len_spec;

#define LENS(spec) spec, sizeof spec / sizeof spec[0]

/* An array argument's extent, whichever kind it was read as. */
static arr_t arg_arr(const arg_spec *spec, const arg_val *v, size_t i) {
  if (!is_typed_kind(spec[i].kind)) return v[i].a;
  const arr_t typed = {0, v[i].t.len, 1};
  return typed;
}

static int want_lens(napi_env env, const char *fn, const arg_spec *spec, const arg_val *v,
                     const len_spec *lens, size_t count) {
  for (size_t i = 0; i < count; i++) {
    const len_spec *l = &lens[i];
    const arr_t a = arg_arr(spec, v, l->arg);
    if (want_len(env, fn, spec[l->arg].name, &a, l->expected, l->expr)) return -1;
  }
  return 0;
}

static double *ptr(const arg_val *v) { return v->a.present ? v->a.p : 0; }

static const arg_spec GEMM[] = {
    {ARG_BOOL, "transA"}, {ARG_BOOL, "transB"}, {ARG_DIM, "m"},   {ARG_DIM, "n"},
    {ARG_DIM, "k"},       {ARG_FINITE, "alpha"}, {ARG_F64, "a"},  {ARG_DIM, "lda"},
    {ARG_F64, "b"},       {ARG_DIM, "ldb"},     {ARG_FINITE, "beta"}, {ARG_F64, "c"},
    {ARG_DIM, "ldc"}};

static napi_value js_gemm(napi_env env, napi_callback_info info) {
  const char *fn = "gemm";
  arg_val v[13];
  if (parse_args(env, info, fn, ARGS(GEMM), v)) return 0;
  int ta = (int)v[0].i, tb = (int)v[1].i;
  long m = v[2].i, n = v[3].i, k = v[4].i, lda = v[7].i, ldb = v[9].i, ldc = v[12].i;
  long arows = ta ? k : m, acols = ta ? m : k;
  long brows = tb ? n : k, bcols = tb ? k : n;
  if (want_ld(env, fn, "lda", lda, acols) || want_ld(env, fn, "ldb", ldb, bcols) ||
      want_ld(env, fn, "ldc", ldc, n) || want_matrix(env, fn, "a", &v[6].a, arows, acols, lda) ||
      want_matrix(env, fn, "b", &v[8].a, brows, bcols, ldb) ||
      want_matrix(env, fn, "c", &v[11].a, m, n, ldc))
    return 0;
  if (af_par_gemm(ta, tb, m, n, k, v[5].d, v[6].a.p, lda, v[8].a.p, ldb, v[10].d, v[11].a.p, ldc))
    return oom(env, fn);
  return undefined(env);
}

/* Dense, rational and KAN arguments share their leading shape and size each array by
 * one of a few products; a `_SIZES` table names which for each argument (1, 2, …; 0: none). */
typedef struct {
  long long value;
  const char *expr;
} size_spec;

static int want_sizes(napi_env env, const char *fn, const arg_spec *spec, size_t count,
                      const arg_val *v, const int *size_of, const size_spec *sizes) {
  for (size_t i = 0; i < count; i++) {
    if (size_of[i] == 0) continue;
    const size_spec *z = &sizes[size_of[i] - 1];
    const arr_t a = arg_arr(spec, v, i);
    if (want_len(env, fn, spec[i].name, &a, z->value, z->expr)) return -1;
  }
  return 0;
}

/* x, n, nIn, …: the arrays are n*nIn, nIn*nOut, nOut or n*nOut long (sizes 1 to 4). */
static int dense_args(napi_env env, napi_callback_info info, const char *fn, const arg_spec *spec,
                      size_t count, const int *size_of, int nout_at, arg_val *v) {
  if (parse_args(env, info, fn, spec, count, v)) return -1;
  const long long n = v[1].i, nIn = v[2].i, nOut = v[nout_at].i;
  const size_spec sizes[] = {
      {n * nIn, "n*nIn"}, {nIn * nOut, "nIn*nOut"}, {nOut, "nOut"}, {n * nOut, "n*nOut"}};
  return want_sizes(env, fn, spec, count, v, size_of, sizes);
}

static const arg_spec DENSE_FORWARD[] = {
    {ARG_F64, "x"},         {ARG_DIM, "n"},   {ARG_DIM, "nIn"},
    {ARG_F64, "w"},         {ARG_F64_OR_NULL, "b"},
    {ARG_DIM, "nOut"},      {ARG_INT, "act code", 0, AF_ACT_COUNT - 1},
    {ARG_FINITE, "act.param"}, {ARG_F64_OR_NULL, "residual"},
    {ARG_F64, "z"},         {ARG_F64, "y"}};
static const int DENSE_FORWARD_SIZES[] = {1, 0, 0, 2, 3, 0, 0, 0, 4, 4, 4};

static napi_value js_dense_forward(napi_env env, napi_callback_info info) {
  const char *fn = "denseForward";
  arg_val v[11];
  if (dense_args(env, info, fn, ARGS(DENSE_FORWARD), DENSE_FORWARD_SIZES, 5, v)) return 0;
  const long n = v[1].i, nIn = v[2].i, nOut = v[5].i;
  if (af_par_dense_forward(v[0].a.p, n, nIn, v[3].a.p, ptr(&v[4]), nOut, (int)v[6].i, v[7].d,
                           ptr(&v[8]), v[9].a.p, v[10].a.p))
    return oom(env, fn);
  return undefined(env);
}

static const arg_spec DENSE_BACKWARD[] = {
    {ARG_F64, "x"},     {ARG_DIM, "n"},   {ARG_DIM, "nIn"},
    {ARG_F64, "w"},     {ARG_DIM, "nOut"}, {ARG_INT, "act code", 0, AF_ACT_COUNT - 1},
    {ARG_FINITE, "act.param"}, {ARG_F64, "z"}, {ARG_F64, "y"},
    {ARG_F64, "dy"},    {ARG_F64, "dz"},  {ARG_F64_OR_NULL, "dx"},
    {ARG_F64, "gw"},    {ARG_F64_OR_NULL, "gb"}, {ARG_BOOL, "accumulate"}};
static const int DENSE_BACKWARD_SIZES[] = {1, 0, 0, 2, 0, 0, 0, 4, 4, 4, 4, 1, 2, 3, 0};

static napi_value js_dense_backward(napi_env env, napi_callback_info info) {
  const char *fn = "denseBackward";
  arg_val v[15];
  if (dense_args(env, info, fn, ARGS(DENSE_BACKWARD), DENSE_BACKWARD_SIZES, 4, v)) return 0;
  const long n = v[1].i, nIn = v[2].i, nOut = v[4].i;
  if (af_par_dense_backward(v[0].a.p, n, nIn, v[3].a.p, nOut, (int)v[5].i, v[6].d, v[7].a.p,
                            v[9].a.p, v[10].a.p, ptr(&v[11]), v[12].a.p, ptr(&v[13]), (int)v[14].i))
    return oom(env, fn);
  return undefined(env);
}

static const arg_spec ADAM[] = {
    {ARG_F64, "p"},       {ARG_F64, "g"},        {ARG_F64, "m"},
    {ARG_F64, "v"},       {ARG_FINITE, "lr"},    {ARG_FINITE, "beta1"},
    {ARG_FINITE, "beta2"}, {ARG_FINITE, "eps"},  {ARG_INT, "step", 1.0, MAX_STEP}};

static napi_value js_adam_step(napi_env env, napi_callback_info info) {
  const char *fn = "adamStep";
  arg_val v[9];
  if (parse_args(env, info, fn, ARGS(ADAM), v)) return 0;
  long long np = (long long)v[0].a.len;
  const len_spec lens[] = {{1, np, "p.length"}, {2, np, "p.length"}, {3, np, "p.length"}};
  if (want_lens(env, fn, ADAM, v, LENS(lens))) return 0;
  if (af_par_adam(v[0].a.p, v[1].a.p, v[2].a.p, v[3].a.p, (long)np, v[4].d, v[5].d, v[6].d, v[7].d,
                  (double)v[8].i))
    return oom(env, fn);
  return undefined(env);
}

/* x, n, width, groups, degP, degQ, coef, then y or (dy, dx, gcoef). The kernel indexes
 * coefficient blocks by channel / (width / groups): groups must divide width. */
#define RATIONAL_SHAPE                                                              \
  {ARG_F64, "x"}, {ARG_DIM, "n"}, {ARG_DIM, "width"}, {ARG_INT, "groups", 1.0, MAX_DIM}, \
      {ARG_INT, "degP", 0.0, 16.0}, {ARG_INT, "degQ", 0.0, 16.0}, {ARG_F64, "coef"}

static const arg_spec RATIONAL_FORWARD[] = {RATIONAL_SHAPE, {ARG_F64, "y"}};
static const int RATIONAL_FORWARD_SIZES[] = {1, 0, 0, 0, 0, 0, 2, 1};
static const arg_spec RATIONAL_BACKWARD[] = {
    RATIONAL_SHAPE, {ARG_F64, "dy"}, {ARG_F64_OR_NULL, "dx"}, {ARG_F64, "gcoef"}};
static const int RATIONAL_BACKWARD_SIZES[] = {1, 0, 0, 0, 0, 0, 2, 1, 1, 2};

static int rational_args(napi_env env, napi_callback_info info, const char *fn,
                         const arg_spec *spec, size_t count, const int *size_of, arg_val *v) {
  if (parse_args(env, info, fn, spec, count, v)) return -1;
  long width = v[2].i, groups = v[3].i, most = width > 1 ? width : 1;
  if (groups > most) {
    throw_msg(env, 1, fn, "groups must be an integer in [1, %ld] (got %ld)", most, groups);
    return -1;
  }
  if (width % groups != 0) {
    throw_msg(env, 1, fn, "groups (%ld) must divide width (%ld)", groups, width);
    return -1;
  }
  const size_spec sizes[] = {{(long long)v[1].i * width, "n*width"},
                             {(long long)groups * (v[4].i + 1 + v[5].i), "groups*(degP+1+degQ)"}};
  return want_sizes(env, fn, spec, count, v, size_of, sizes);
}

static napi_value js_rational_forward(napi_env env, napi_callback_info info) {
  const char *fn = "rationalForward";
  arg_val v[8];
  if (rational_args(env, info, fn, ARGS(RATIONAL_FORWARD), RATIONAL_FORWARD_SIZES, v)) return 0;
  if (af_rational_forward(v[0].a.p, v[1].i, v[2].i, v[3].i, v[4].i, v[5].i, v[6].a.p, v[7].a.p))
    return oom(env, fn);
  return undefined(env);
}

static napi_value js_rational_backward(napi_env env, napi_callback_info info) {
  const char *fn = "rationalBackward";
  arg_val v[10];
  if (rational_args(env, info, fn, ARGS(RATIONAL_BACKWARD), RATIONAL_BACKWARD_SIZES, v)) return 0;
  if (af_rational_backward(v[0].a.p, v[1].i, v[2].i, v[3].i, v[4].i, v[5].i, v[6].a.p, v[7].a.p,
                           ptr(&v[8]), v[9].a.p))
    return oom(env, fn);
  return undefined(env);
}

/* x, n, nIn, grid, lo, hi, then f or (df, dx). The kernel's knot interval index assumes
 * lo < hi. */
#define KAN_SHAPE                                                                     \
  {ARG_F64, "x"}, {ARG_DIM, "n"}, {ARG_DIM, "nIn"}, {ARG_INT, "grid", 1.0, 1000.0}, \
      {ARG_FINITE, "lo"}, {ARG_FINITE, "hi"}

static const arg_spec KAN_EXPAND[] = {KAN_SHAPE, {ARG_F64, "f"}};
static const int KAN_EXPAND_SIZES[] = {1, 0, 0, 0, 0, 0, 2};
static const arg_spec KAN_EXPAND_BACKWARD[] = {KAN_SHAPE, {ARG_F64, "df"}, {ARG_F64, "dx"}};
static const int KAN_EXPAND_BACKWARD_SIZES[] = {1, 0, 0, 0, 0, 0, 2, 1};

static int kan_args(napi_env env, napi_callback_info info, const char *fn, const arg_spec *spec,
                    size_t count, const int *size_of, arg_val *v) {
  if (parse_args(env, info, fn, spec, count, v)) return -1;
  if (!(v[4].d < v[5].d)) {
    throw_msg(env, 1, fn, "lo must be below hi");
    return -1;
  }
  long long nI = (long long)v[1].i * v[2].i;
  const size_spec sizes[] = {{nI, "n*nIn"}, {nI * (v[3].i + 4), "n*nIn*(grid+4)"}};
  return want_sizes(env, fn, spec, count, v, size_of, sizes);
}

static napi_value js_kan_expand(napi_env env, napi_callback_info info) {
  arg_val v[7];
  if (kan_args(env, info, "kanExpand", ARGS(KAN_EXPAND), KAN_EXPAND_SIZES, v)) return 0;
  af_kan_expand(v[0].a.p, v[1].i, v[2].i, v[3].i, v[4].d, v[5].d, v[6].a.p);
  return undefined(env);
}

static napi_value js_kan_expand_backward(napi_env env, napi_callback_info info) {
  arg_val v[8];
  if (kan_args(env, info, "kanExpandBackward", ARGS(KAN_EXPAND_BACKWARD), KAN_EXPAND_BACKWARD_SIZES,
               v))
    return 0;
  af_kan_expand_backward(v[0].a.p, v[1].i, v[2].i, v[3].i, v[4].d, v[5].d, v[6].a.p, v[7].a.p);
  return undefined(env);
}

/* The angular head: shape, n, then the arrays. The checks of
 * src/kernels/angularHeadChecks.ts that memory safety needs: the shape's ranges, L and e
 * inside a row, and every length (overlaps are checked only there). */
#define HEAD_SHAPE                                                                           \
  {ARG_INT, "decays", 1.0, AF_HEAD_MAX_DECAYS}, {ARG_INT, "lMax", 0.0, AF_HEAD_MAX_L},        \
      {ARG_DIM, "m"}, {ARG_DIM, "lAt"}, {ARG_DIM, "eAt"}, {ARG_FINITE, "alpha"}

static const arg_spec HEAD_FORWARD[] = {
    HEAD_SHAPE,      {ARG_FINITE, "beta"}, {ARG_DIM, "n"}, {ARG_F64, "angles"}, {ARG_F64, "o"},
    {ARG_F64, "basis"}, {ARG_F64, "z"},    {ARG_F64, "v"}, {ARG_F64, "p"},      {ARG_F64, "qRaw"},
    {ARG_F64, "qMean"}};
/* Which size each argument must have: 1 n*2*decays, 2 n*m, 3 n*K, 4 n*Z, 5 n. */
static const int HEAD_FORWARD_SIZES[] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 4, 5, 5, 5};
static const arg_spec HEAD_BACKWARD[] = {
    HEAD_SHAPE,       {ARG_DIM, "n"},   {ARG_F64, "o"},  {ARG_F64, "basis"}, {ARG_F64, "z"},
    {ARG_F64, "v"},   {ARG_F64, "ce"},  {ARG_F64, "cRaw"}, {ARG_F64, "cMean"}, {ARG_F64, "dInner"}};
static const int HEAD_BACKWARD_SIZES[] = {0, 0, 0, 0, 0, 0, 0, 2, 3, 4, 4, 5, 5, 5, 2};

static int head_args(napi_env env, napi_callback_info info, const char *fn, const arg_spec *spec,
                     size_t count, const int *size_of, long n, arg_val *v, af_head_shape *s) {
  *s = (af_head_shape){(int)v[0].i, (int)v[1].i, v[2].i, v[3].i, v[4].i, v[5].d, 0.0};
  long long k = af_head_k(s), z = af_head_z(s), m = s->m;
  if (s->lat + z * z > m) {
    throw_msg(env, 1, fn, "L (lAt + Z*Z = %lld) does not fit in a row of m = %lld", s->lat + z * z, m);
    return -1;
  }
  if (s->eat + k - 1 > m) {
    throw_msg(env, 1, fn, "e (eAt + K - 1 = %lld) does not fit in a row of m = %lld", s->eat + k - 1, m);
    return -1;
  }
  const size_spec sizes[] = {{(long long)n * 2 * s->decays, "n*2*decays"}, {(long long)n * m, "n*m"},
                             {(long long)n * k, "n*K"}, {(long long)n * z, "n*Z"}, {n, "n"}};
  return want_sizes(env, fn, spec, count, v, size_of, sizes);
}

/* Both directions: the shape, n, then the arrays in the kernel's order (the
 * forward call has beta before n). */
static napi_value angular_head(napi_env env, napi_callback_info info, int backward) {
  const char *fn = backward ? "angularHeadBackward" : "angularHeadForward";
  const arg_spec *spec = backward ? HEAD_BACKWARD : HEAD_FORWARD;
  const size_t count = backward ? sizeof HEAD_BACKWARD / sizeof HEAD_BACKWARD[0]
                                : sizeof HEAD_FORWARD / sizeof HEAD_FORWARD[0];
  const int at = backward ? 6 : 7; /* n, then the arrays */
  arg_val v[16];
  af_head_shape s;
  if (parse_args(env, info, fn, spec, count, v)) return 0;
  if (head_args(env, info, fn, spec, count, backward ? HEAD_BACKWARD_SIZES : HEAD_FORWARD_SIZES,
                v[at].i, v, &s))
    return 0;
  double *a[9];
  for (int i = 0; i < 9 && at + 1 + i < (int)count; i++) a[i] = v[at + 1 + i].a.p;
  if (backward) {
    af_par_head_backward(&s, v[at].i, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
  } else {
    s.beta = v[6].d;
    af_par_head_forward(&s, v[at].i, a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7]);
  }
  return undefined(env);
}

static napi_value js_angular_head_forward(napi_env env, napi_callback_info info) {
  return angular_head(env, info, 0);
}

static napi_value js_angular_head_backward(napi_env env, napi_callback_info info) {
  return angular_head(env, info, 1);
}

/* ---- L-GATr's multivector ops (dispatch_mv.h). The algebra comes from
 * src/nn/lgatr/algebra.ts as 48 numbers (GRADE, DUAL_SIGN, METRIC) and a
 * bilinear table as 4 numbers a term (left, right, out, sign); the indices
 * are checked because the kernels index with them. */

static int mv_algebra(napi_env env, const char *fn, const arr_t *a, af_mv_algebra *g) {
  if (want_len(env, fn, "algebra", a, 3 * AF_MV, "48")) return -1;
  for (int i = 0; i < AF_MV; i++) {
    const double k = a->p[i];
    if (!(k == floor(k) && k >= 0 && k <= 4)) {
      throw_msg(env, 1, fn, "algebra: grade %d is %g, not an integer in [0, 4]", i, k);
      return -1;
    }
    g->grade[i] = (int)k;
    g->dual[i] = a->p[AF_MV + i];
    g->metric[i] = a->p[2 * AF_MV + i];
  }
  return 0;
}

static int mv_table(napi_env env, const char *fn, const arr_t *a, af_mv_table *t) {
  if (a->len % 4 != 0 || a->len / 4 > 256) {
    throw_msg(env, 1, fn, "table must hold 4 numbers per term and at most 256 terms, got %zu values",
              (size_t)a->len);
    return -1;
  }
  t->count = (int)(a->len / 4);
  for (int k = 0; k < t->count; k++) {
    const double *e = a->p + 4 * k;
    for (int m = 0; m < 3; m++) {
      if (!(e[m] == floor(e[m]) && e[m] >= 0 && e[m] < AF_MV)) {
        throw_msg(env, 1, fn, "table term %d: blade index %g is not an integer in [0, 15]", k, e[m]);
        return -1;
      }
    }
    t->left[k] = (unsigned char)e[0];
    t->right[k] = (unsigned char)e[1];
    t->out[k] = (unsigned char)e[2];
    t->sign[k] = e[3];
  }
  return 0;
}

static napi_value mv_run(napi_env env, const af_mv_call *call) {
  af_par_mv(call);
  return undefined(env);
}

static const arg_spec MV_LINEAR_FORWARD[] = {
    {ARG_F64, "algebra"}, {ARG_DIM, "cin"}, {ARG_DIM, "cout"}, {ARG_F64, "w"},
    {ARG_F64, "x"},       {ARG_DIM, "rows"}, {ARG_F64, "y"}};
static const int MV_LINEAR_FORWARD_SIZES[] = {0, 0, 0, 1, 2, 0, 3};
static const arg_spec MV_LINEAR_BACKWARD[] = {
    {ARG_F64, "algebra"}, {ARG_DIM, "cin"}, {ARG_DIM, "cout"}, {ARG_F64, "w"},
    {ARG_F64, "x"},       {ARG_DIM, "rows"}, {ARG_F64, "dy"},  {ARG_F64, "g"},
    {ARG_F64_OR_NULL, "dx"}};
static const int MV_LINEAR_BACKWARD_SIZES[] = {0, 0, 0, 1, 2, 0, 3, 1, 2};

static napi_value mv_linear(napi_env env, napi_callback_info info, int backward) {
  const char *fn = backward ? "mvLinearBackward" : "mvLinearForward";
  const arg_spec *spec = backward ? MV_LINEAR_BACKWARD : MV_LINEAR_FORWARD;
  const size_t count = backward ? 9 : 7;
  arg_val v[9];
  af_mv_algebra g;
  if (parse_args(env, info, fn, spec, count, v)) return 0;
  const long long cin = v[1].i, cout = v[2].i, rows = v[5].i;
  const size_spec sizes[] = {{10 * cin * cout + cout, "10*cin*cout+cout"},
                             {AF_MV * rows * cin, "16*rows*cin"},
                             {AF_MV * rows * cout, "16*rows*cout"}};
  if (want_sizes(env, fn, spec, count, v, backward ? MV_LINEAR_BACKWARD_SIZES : MV_LINEAR_FORWARD_SIZES, sizes)) return 0;
  if (mv_algebra(env, fn, &v[0].a, &g)) return 0;
  af_mv_call c = {.op = backward ? AF_MV_LINEAR_BACKWARD : AF_MV_LINEAR_FORWARD, .g = &g,
                  .rows = rows, .cin = cin, .cout = cout, .w = v[3].a.p, .x = v[4].a.p};
  if (backward) {
    c.dy = v[6].a.p;
    c.gw = v[7].a.p;
    c.out = ptr(&v[8]);
  } else {
    c.out = v[6].a.p;
  }
  return mv_run(env, &c);
}

static napi_value js_mv_linear_forward(napi_env env, napi_callback_info info) { return mv_linear(env, info, 0); }
static napi_value js_mv_linear_backward(napi_env env, napi_callback_info info) { return mv_linear(env, info, 1); }

/* Norm, gate: 1 16*rows*c, 2 rows, 3 rows*c. */
static const arg_spec MV_NORM_FORWARD[] = {
    {ARG_F64, "algebra"}, {ARG_FINITE, "eps"}, {ARG_F64, "x"},    {ARG_DIM, "rows"},
    {ARG_DIM, "c"},       {ARG_F64, "y"},      {ARG_F64, "norm"}, {ARG_F64, "sq"}};
static const int MV_NORM_FORWARD_SIZES[] = {0, 0, 1, 0, 0, 1, 2, 3};
static const arg_spec MV_NORM_BACKWARD[] = {
    {ARG_F64, "algebra"}, {ARG_F64, "x"},  {ARG_DIM, "rows"}, {ARG_DIM, "c"},   {ARG_F64, "norm"},
    {ARG_F64, "sq"},      {ARG_F64, "dy"}, {ARG_F64, "dx"},   {ARG_F64, "dot"}};
static const int MV_NORM_BACKWARD_SIZES[] = {0, 1, 0, 0, 2, 3, 1, 1, 2};
static const arg_spec MV_GATE_FORWARD[] = {
    {ARG_F64, "x"}, {ARG_DIM, "rows"}, {ARG_DIM, "c"}, {ARG_F64, "y"}};
static const int MV_GATE_FORWARD_SIZES[] = {1, 0, 0, 1};
static const arg_spec MV_GATE_BACKWARD[] = {
    {ARG_F64, "x"}, {ARG_DIM, "rows"}, {ARG_DIM, "c"}, {ARG_F64, "dy"}, {ARG_F64, "dx"}};
static const int MV_GATE_BACKWARD_SIZES[] = {1, 0, 0, 1, 1};

/* rows and c sit at rows_at, rows_at + 1. */
static int mv_row_args(napi_env env, napi_callback_info info, const char *fn, const arg_spec *spec,
                       size_t count, const int *size_of, int rows_at, arg_val *v) {
  if (parse_args(env, info, fn, spec, count, v)) return -1;
  const long long rows = v[rows_at].i, c = v[rows_at + 1].i;
  const size_spec sizes[] = {{AF_MV * rows * c, "16*rows*c"}, {rows, "rows"}, {rows * c, "rows*c"}};
  return want_sizes(env, fn, spec, count, v, size_of, sizes);
}

static napi_value js_mv_norm_forward(napi_env env, napi_callback_info info) {
  const char *fn = "mvNormForward";
  arg_val v[8];
  af_mv_algebra g;
  if (mv_row_args(env, info, fn, ARGS(MV_NORM_FORWARD), MV_NORM_FORWARD_SIZES, 3, v)) return 0;
  if (mv_algebra(env, fn, &v[0].a, &g)) return 0;
  const af_mv_call c = {.op = AF_MV_NORM_FORWARD, .g = &g, .eps = v[1].d, .x = v[2].a.p, .rows = v[3].i,
                        .c = v[4].i, .out = v[5].a.p, .nout = v[6].a.p, .sqout = v[7].a.p};
  return mv_run(env, &c);
}

static napi_value js_mv_norm_backward(napi_env env, napi_callback_info info) {
  const char *fn = "mvNormBackward";
  arg_val v[9];
  af_mv_algebra g;
  if (mv_row_args(env, info, fn, ARGS(MV_NORM_BACKWARD), MV_NORM_BACKWARD_SIZES, 2, v)) return 0;
  if (mv_algebra(env, fn, &v[0].a, &g)) return 0;
  const af_mv_call c = {.op = AF_MV_NORM_BACKWARD, .g = &g, .x = v[1].a.p, .rows = v[2].i, .c = v[3].i,
                        .norm = v[4].a.p, .sq = v[5].a.p, .dy = v[6].a.p, .out = v[7].a.p,
                        .out2 = v[8].a.p};
  return mv_run(env, &c);
}

static napi_value js_mv_gate_forward(napi_env env, napi_callback_info info) {
  arg_val v[4];
  if (mv_row_args(env, info, "mvGateForward", ARGS(MV_GATE_FORWARD), MV_GATE_FORWARD_SIZES, 1, v)) return 0;
  const af_mv_call c = {.op = AF_MV_GATE_FORWARD, .x = v[0].a.p, .rows = v[1].i, .c = v[2].i, .out = v[3].a.p};
  return mv_run(env, &c);
}

static napi_value js_mv_gate_backward(napi_env env, napi_callback_info info) {
  arg_val v[5];
  if (mv_row_args(env, info, "mvGateBackward", ARGS(MV_GATE_BACKWARD), MV_GATE_BACKWARD_SIZES, 1, v)) return 0;
  const af_mv_call c = {.op = AF_MV_GATE_BACKWARD, .x = v[0].a.p, .rows = v[1].i, .c = v[2].i,
                        .dy = v[3].a.p, .out = v[4].a.p};
  return mv_run(env, &c);
}

/* The bilinear: table, x, y, plane, then dz, dx, dy or z (all 16*plane). */
static const arg_spec MV_BILINEAR_BACKWARD[] = {
    {ARG_F64, "table"}, {ARG_F64, "x"},  {ARG_F64, "y"}, {ARG_DIM, "plane"},
    {ARG_F64, "dz"},    {ARG_F64, "dx"}, {ARG_F64, "dy"}};
static const int MV_BILINEAR_SIZES[] = {0, 1, 1, 0, 1, 1, 1};

static napi_value mv_bilinear(napi_env env, napi_callback_info info, int backward) {
  const char *fn = backward ? "mvBilinearBackward" : "mvBilinearForward";
  arg_spec spec[7];
  memcpy(spec, MV_BILINEAR_BACKWARD, sizeof spec);
  if (!backward) spec[4].name = "z";
  const size_t count = backward ? 7 : 5;
  arg_val v[7];
  af_mv_table t;
  if (parse_args(env, info, fn, spec, count, v)) return 0;
  const size_spec sizes[] = {{AF_MV * (long long)v[3].i, "16*plane"}};
  if (want_sizes(env, fn, spec, count, v, MV_BILINEAR_SIZES, sizes)) return 0;
  if (mv_table(env, fn, &v[0].a, &t)) return 0;
  af_mv_call c = {.op = backward ? AF_MV_BILINEAR_BACKWARD : AF_MV_BILINEAR_FORWARD, .t = &t,
                  .x = v[1].a.p, .y = v[2].a.p, .rows = v[3].i, .c = 1, .out = v[4].a.p};
  if (backward) {
    c.dy = v[4].a.p;
    c.out = v[5].a.p;
    c.out2 = v[6].a.p;
  }
  return mv_run(env, &c);
}

static napi_value js_mv_bilinear_forward(napi_env env, napi_callback_info info) { return mv_bilinear(env, info, 0); }
static napi_value js_mv_bilinear_backward(napi_env env, napi_callback_info info) { return mv_bilinear(env, info, 1); }

/* The attention: algebra, the shape, q, k, v, n, att, then o, or dout, dq, dk, dv, dAtt.
 * Sizes: 1 16*n*P*H*Ch, 2 n*H*P*P. */
static const arg_spec MV_ATTENTION_BACKWARD[] = {
    {ARG_F64, "algebra"}, {ARG_DIM, "particles"}, {ARG_DIM, "heads"}, {ARG_DIM, "headChannels"},
    {ARG_FINITE, "scale"}, {ARG_F64, "q"}, {ARG_F64, "k"}, {ARG_F64, "v"}, {ARG_DIM, "n"},
    {ARG_F64, "att"}, {ARG_F64, "dout"}, {ARG_F64, "dq"}, {ARG_F64, "dk"}, {ARG_F64, "dv"},
    {ARG_F64, "dAtt"}};
static const int MV_ATTENTION_SIZES[] = {0, 0, 0, 0, 0, 1, 1, 1, 0, 2, 1, 1, 1, 1, 2};

static napi_value mv_attention(napi_env env, napi_callback_info info, int backward) {
  const char *fn = backward ? "mvAttentionBackward" : "mvAttentionForward";
  arg_spec spec[15];
  memcpy(spec, MV_ATTENTION_BACKWARD, sizeof spec);
  if (!backward) spec[10].name = "o";
  const size_t count = backward ? 15 : 11;
  arg_val v[15];
  af_mv_algebra g;
  if (parse_args(env, info, fn, spec, count, v)) return 0;
  const long long P = v[1].i, H = v[2].i, Ch = v[3].i, n = v[8].i;
  const size_spec sizes[] = {{AF_MV * n * P * H * Ch, "16*n*particles*heads*headChannels"},
                             {n * H * P * P, "n*heads*particles*particles"}};
  if (want_sizes(env, fn, spec, count, v, MV_ATTENTION_SIZES, sizes)) return 0;
  if (mv_algebra(env, fn, &v[0].a, &g)) return 0;
  const af_mv_attention s = {P, H, Ch, v[4].d};
  af_mv_call c = {.op = backward ? AF_MV_ATTENTION_BACKWARD : AF_MV_ATTENTION_FORWARD, .g = &g,
                  .att_shape = &s, .q = v[5].a.p, .k = v[6].a.p, .v = v[7].a.p, .n = n};
  if (backward) {
    c.att = v[9].a.p;
    c.dy = v[10].a.p;
    c.out = v[11].a.p;
    c.out2 = v[12].a.p;
    c.out3 = v[13].a.p;
    c.out4 = v[14].a.p;
  } else {
    c.out = v[9].a.p;
    c.out2 = v[10].a.p;
  }
  return mv_run(env, &c);
}

static napi_value js_mv_attention_forward(napi_env env, napi_callback_info info) { return mv_attention(env, info, 0); }
static napi_value js_mv_attention_backward(napi_env env, napi_callback_info info) { return mv_attention(env, info, 1); }

/* ---- tree kernels: typed arrays of other kinds. Besides the lengths, memory
 * safety needs the index ranges (bin layout, node ranges, slots, features,
 * child links) and outputs that overlap nothing, checked here in the order of
 * src/kernels/treeChecks.ts (which also makes the semantic checks). ---- */

#define T_(kind, name) {kind, name, 0.0, 0.0, 0}
#define OUT_(kind, name) {kind, name, 0.0, 0.0, 1}
#define I32(name) T_(ARG_I32, name)
#define U32(name) T_(ARG_U32, name)
#define F64(name) T_(ARG_TF64, name)
#define FEATURES_D {ARG_INT, "d", 1.0, 65535.0, 0}

static int toverlap(const tarr_t *a, const tarr_t *b) {
  if (a->bytes == 0 || b->bytes == 0) return 0;
  const char *a0 = a->p, *b0 = b->p;
  return a0 < b0 + b->bytes && b0 < a0 + a->bytes;
}

/* Every output against every other array argument, in argument order; an
 * output later in the table is checked against this one when its turn comes. */
static int want_disjoint(napi_env env, const char *fn, const arg_spec *spec, size_t count,
                         const arg_val *v) {
  for (size_t o = 0; o < count; o++) {
    if (!spec[o].out) continue;
    for (size_t j = 0; j < count; j++) {
      if (j == o || !is_typed_kind(spec[j].kind) || (spec[j].out && j > o)) continue;
      if (toverlap(&v[o].t, &v[j].t)) {
        throw_msg(env, 1, fn, "%s overlaps %s", spec[o].name, spec[j].name);
        return -1;
      }
    }
  }
  return 0;
}

static int want_multiple(napi_env env, const char *fn, const char *name, const tarr_t *a, long n,
                         const char *what) {
  if (a->len % (size_t)n != 0) {
    throw_msg(env, 1, fn, "%s has length %zu, not a multiple of %s = %ld", name, a->len, what, n);
    return -1;
  }
  return 0;
}

/* checkBinLayout: fills the matrix description (n rows) and the bin count. */
static int bin_layout(napi_env env, const char *fn, const tarr_t *bins, long d, const tarr_t *off,
                      af_binmat *m) {
  const arr_t offs = {0, off->len, 1};
  if (want_len(env, fn, "binOffset", &offs, d + 1, "d+1")) return -1;
  const int32_t *o = off->p;
  if (o[0] != 0) {
    throw_msg(env, 1, fn, "binOffset[0] must be 0");
    return -1;
  }
  const int wide = bins->type == napi_uint16_array;
  for (long f = 0; f < d; f++) {
    const long long nb = (long long)o[f + 1] - o[f];
    if (!(nb > 0)) {
      throw_msg(env, 1, fn, "binOffset[%ld] must exceed binOffset[%ld]", f + 1, f);
      return -1;
    }
    if (!wide && nb > 256) {
      throw_msg(env, 1, fn, "bins is a Uint8Array but feature %ld has %lld bins (more than 256)", f, nb);
      return -1;
    }
  }
  if (o[d] > 0x3fffffff) {
    throw_msg(env, 1, fn, "binOffset[d] = %d is too large", o[d]);
    return -1;
  }
  if (want_multiple(env, fn, "bins", bins, d, "d")) return -1;
  m->bins = bins->p;
  m->wide = wide;
  m->n = (long)(bins->len / (size_t)d);
  m->d = d;
  m->off = o;
  return 0;
}

/* begin/end of one length; every range inside rows (and, when asked, after the previous one). */
static int check_nodes(napi_env env, const char *fn, const tarr_t *rows, const tarr_t *begin,
                       const tarr_t *end, int disjoint_ranges, long *k) {
  *k = (long)begin->len;
  const arr_t ends = {0, end->len, 1};
  if (want_len(env, fn, "end", &ends, *k, "begin.length")) return -1;
  const int32_t *b = begin->p, *e = end->p;
  long long prev_end = 0;
  for (long j = 0; j < *k; j++) {
    if (!(b[j] >= 0 && b[j] <= e[j] && (size_t)e[j] <= rows->len)) {
      throw_msg(env, 1, fn, "node %ld: range [%d, %d) is not within rows (length %zu)", j, b[j], e[j], rows->len);
      return -1;
    }
    if (disjoint_ranges && b[j] < prev_end) {
      throw_msg(env, 1, fn, "node %ld: range [%d, %d) overlaps the previous node's or comes before it", j, b[j], e[j]);
      return -1;
    }
    prev_end = e[j];
  }
  return 0;
}

/* Each slot inside hist (or -1, "none", where allowed). That no slot is written twice is a
 * semantic check (treeChecks.ts): a repeat races, it does not reach outside hist. */
static int check_slots(napi_env env, const char *fn, const char *name, const tarr_t *slot,
                       long nslots, int allow_none) {
  const int32_t *s = slot->p;
  for (size_t j = 0; j < slot->len; j++) {
    if (allow_none && s[j] == -1) continue;
    if (!(s[j] >= 0 && s[j] < nslots)) {
      throw_msg(env, 1, fn, "%s[%zu] = %d is not a slot of hist (%ld slots)", name, j, s[j], nslots);
      return -1;
    }
  }
  return 0;
}

static long hist_slots(const tarr_t *hist, long nbins) { return (long)(hist->len / (2 * (size_t)nbins)); }

/* Turns a kernel status into the reference's error. */
static napi_value tree_status(napi_env env, const char *fn, int st, const char *row_limit, long limit) {
  switch (st) {
    case AF_TREE_OK: return undefined(env);
    case AF_TREE_BAD_ROW: throw_msg(env, 1, fn, "rows holds a row index >= %s = %ld", row_limit, limit); return 0;
    case AF_TREE_BAD_BIN: throw_msg(env, 1, fn, "bins holds a bin index beyond its feature's bins"); return 0;
    case AF_TREE_BAD_CHILD:
      throw_msg(env, 1, fn, "a child index is out of range (children follow their parent inside its tree)");
      return 0;
    case AF_TREE_BAD_FEATURE: throw_msg(env, 1, fn, "a node's feature is >= d"); return 0;
    default: return oom(env, fn);
  }
}

/* histBuild's and splitFind's common arguments: where bins (then d, binOffset), rows, begin
 * (then end), slot and hist stand, whether a slot may be -1 ("no histogram"), and which of
 * 2*n, begin.length, d, 2*begin.length (sizes 1 to 4) each argument's length is. */
typedef struct {
  int bins, rows, begin, slot, slot_none, hist;
  const int *size_of;
} binned_at;

/* The bin matrix and the node count those arguments describe. */
typedef struct {
  af_binmat m;
  long k;
} binned_t;

/* Their common start: the arguments, the bin layout, the node ranges, the lengths and the slots. */
static int binned_nodes(napi_env env, napi_callback_info info, const char *fn, const arg_spec *spec,
                        size_t count, const binned_at *at, arg_val *v, binned_t *b) {
  af_binmat *m = &b->m;
  if (parse_args(env, info, fn, spec, count, v) ||
      bin_layout(env, fn, &v[at->bins].t, v[at->bins + 1].i, &v[at->bins + 2].t, m) ||
      check_nodes(env, fn, &v[at->rows].t, &v[at->begin].t, &v[at->begin + 1].t, 0, &b->k))
    return -1;
  const size_spec sizes[] = {
      {2LL * m->n, "2*n"}, {b->k, "begin.length"}, {m->d, "d"}, {2LL * b->k, "2*begin.length"}};
  return want_sizes(env, fn, spec, count, v, at->size_of, sizes) ||
         check_slots(env, fn, "slot", &v[at->slot].t, hist_slots(&v[at->hist].t, m->off[m->d]),
                     at->slot_none);
}

static const arg_spec HIST_BUILD[] = {
    T_(ARG_BINS, "bins"), FEATURES_D, I32("binOffset"), F64("gpair"), U32("rows"),
    I32("begin"),         I32("end"), I32("slot"),      OUT_(ARG_TF64, "hist")};
static const binned_at HIST_BUILD_AT = {.bins = 0, .rows = 4, .begin = 5, .slot = 7, .slot_none = 0, .hist = 8,
                                        .size_of = (const int[]){0, 0, 0, 1, 0, 0, 0, 2, 0}};

static napi_value js_hist_build(napi_env env, napi_callback_info info) {
  const char *fn = "histBuild";
  arg_val v[9];
  binned_t b;
  if (binned_nodes(env, info, fn, ARGS(HIST_BUILD), &HIST_BUILD_AT, v, &b) ||
      want_disjoint(env, fn, ARGS(HIST_BUILD), v))
    return 0;
  const int st = af_par_hist_build(&b.m, v[3].t.p, v[4].t.p, b.k, v[5].t.p, v[6].t.p, v[7].t.p, v[8].t.p);
  return tree_status(env, fn, st, "n", b.m.n);
}

static const arg_spec HIST_SUBTRACT[] = {
    OUT_(ARG_TF64, "hist"), {ARG_INT, "nBins", 1.0, 1073741823.0, 0}, I32("dst"), I32("a"), I32("b")};

static napi_value js_hist_subtract(napi_env env, napi_callback_info info) {
  const char *fn = "histSubtract";
  arg_val v[5];
  if (parse_args(env, info, fn, ARGS(HIST_SUBTRACT), v)) return 0;
  const long long k = (long long)v[2].t.len;
  const long nslots = hist_slots(&v[0].t, v[1].i);
  const len_spec lens[] = {{3, k, "dst.length"}, {4, k, "dst.length"}};
  if (want_lens(env, fn, HIST_SUBTRACT, v, LENS(lens)) ||
      check_slots(env, fn, "dst", &v[2].t, nslots, 0) || check_slots(env, fn, "a", &v[3].t, nslots, 0) ||
      check_slots(env, fn, "b", &v[4].t, nslots, 0) || want_disjoint(env, fn, ARGS(HIST_SUBTRACT), v))
    return 0;
  af_par_hist_subtract(v[0].t.p, v[1].i, (long)k, v[2].t.p, v[3].t.p, v[4].t.p);
  return undefined(env);
}

static const arg_spec SPLIT_FIND[] = {
    F64("hist"),    T_(ARG_BINS, "bins"),  FEATURES_D,           I32("binOffset"),
    F64("gpair"),   U32("rows"),           I32("slot"),          I32("begin"),
    I32("end"),     F64("sumG"),           F64("sumH"),          T_(ARG_U8, "features"),
    {ARG_FINITE, "lambda"}, {ARG_FINITE, "minChildWeight"},      OUT_(ARG_I32, "outFeature"),
    OUT_(ARG_I32, "outBin"), OUT_(ARG_TF64, "outGain"),          OUT_(ARG_TF64, "outLeft")};
static const binned_at SPLIT_FIND_AT = {.bins = 1, .rows = 5, .begin = 7, .slot = 6, .slot_none = 1, .hist = 0,
                                        .size_of = (const int[]){0, 0, 0, 0, 1, 0, 2, 0, 0, 2, 2, 3, 0, 0, 2, 2, 2, 4}};

static napi_value js_split_find(napi_env env, napi_callback_info info) {
  const char *fn = "splitFind";
  arg_val v[18];
  binned_t b;
  if (binned_nodes(env, info, fn, ARGS(SPLIT_FIND), &SPLIT_FIND_AT, v, &b)) return 0;
  const long k = b.k;
  const int32_t *S = v[6].t.p, *Bg = v[7].t.p, *En = v[8].t.p;
  for (long j = 0; j < k; j++) {
    if (S[j] == -1 && En[j] - Bg[j] > AF_DIRECT_MAX_ROWS) {
      throw_msg(env, 1, fn, "node %ld: %d rows without a histogram (at most %ld)", j, En[j] - Bg[j], AF_DIRECT_MAX_ROWS);
      return 0;
    }
  }
  if (want_disjoint(env, fn, ARGS(SPLIT_FIND), v)) return 0;
  af_split_params p = {v[12].d, v[13].d, v[11].t.p};
  const int st = af_par_split_find(&b.m, v[0].t.p, v[4].t.p, v[5].t.p, k, v[6].t.p, v[7].t.p, v[8].t.p,
                                   v[9].t.p, v[10].t.p, &p, v[14].t.p, v[15].t.p, v[16].t.p, v[17].t.p);
  return tree_status(env, fn, st, "n", b.m.n);
}

static const arg_spec PARTITION[] = {
    T_(ARG_BINS, "columns"), {ARG_INT, "n", 1.0, MAX_DIM, 0}, OUT_(ARG_U32, "rows"), I32("begin"),
    I32("end"),              I32("feature"),                  I32("bin"),            OUT_(ARG_I32, "mid")};

static napi_value js_partition(napi_env env, napi_callback_info info) {
  const char *fn = "partition";
  arg_val v[8];
  long k;
  if (parse_args(env, info, fn, ARGS(PARTITION), v) ||
      want_multiple(env, fn, "columns", &v[0].t, v[1].i, "n") ||
      check_nodes(env, fn, &v[2].t, &v[3].t, &v[4].t, 1, &k))
    return 0;
  const long d = (long)(v[0].t.len / (size_t)v[1].i);
  const len_spec lens[] = {{5, k, "begin.length"}, {6, k, "begin.length"}, {7, k, "begin.length"}};
  if (want_lens(env, fn, PARTITION, v, LENS(lens))) return 0;
  const int32_t *F = v[5].t.p;
  for (long j = 0; j < k; j++) {
    if (!(F[j] >= 0 && F[j] < d)) {
      throw_msg(env, 1, fn, "feature[%ld] = %d is not in [0, d) (d = columns.length / n = %ld)", j, F[j], d);
      return 0;
    }
  }
  if (want_disjoint(env, fn, ARGS(PARTITION), v)) return 0;
  af_bincols c = {v[0].t.p, v[0].t.type == napi_uint16_array, v[1].i, d};
  const int st = af_par_partition(&c, v[2].t.p, k, v[3].t.p, v[4].t.p, v[5].t.p, v[6].t.p, v[7].t.p);
  return tree_status(env, fn, st, "n", v[1].i);
}

static const arg_spec LEAF_ADD[] = {U32("rows"), I32("begin"), I32("end"), F64("value"),
                                    OUT_(ARG_TF64, "pred")};

static napi_value js_leaf_add(napi_env env, napi_callback_info info) {
  const char *fn = "leafAdd";
  arg_val v[5];
  long k;
  if (parse_args(env, info, fn, ARGS(LEAF_ADD), v) ||
      check_nodes(env, fn, &v[0].t, &v[1].t, &v[2].t, 1, &k))
    return 0;
  const len_spec lens[] = {{3, k, "begin.length"}};
  if (want_lens(env, fn, LEAF_ADD, v, LENS(lens)) || want_disjoint(env, fn, ARGS(LEAF_ADD), v)) return 0;
  const long npred = (long)v[4].t.len;
  const int st = af_par_leaf_add(v[0].t.p, k, v[1].t.p, v[2].t.p, v[3].t.p, v[4].t.p, npred);
  return tree_status(env, fn, st, "pred.length", npred);
}

static const arg_spec FOREST_PREDICT[] = {
    F64("x"),        {ARG_DIM, "n"},  FEATURES_D,    I32("treeOffset"),     T_(ARG_U16, "feature"),
    T_(ARG_F32, "threshold"), I32("left"), F64("value"), {ARG_FINITE, "base"}, OUT_(ARG_TF64, "out")};

static napi_value js_forest_predict(napi_env env, napi_callback_info info) {
  const char *fn = "forestPredict";
  arg_val v[10];
  if (parse_args(env, info, fn, ARGS(FOREST_PREDICT), v)) return 0;
  const long n = v[1].i, d = v[2].i;
  const long long nodes = (long long)v[4].t.len;
  const len_spec lens[] = {{0, (long long)n * d, "n*d"},  {9, n, "n"},
                           {5, nodes, "feature.length"}, {6, nodes, "feature.length"},
                           {7, nodes, "feature.length"}};
  if (want_lens(env, fn, FOREST_PREDICT, v, LENS(lens))) return 0;
  const tarr_t *toff = &v[3].t;
  const int32_t *T = toff->p;
  if (toff->len < 1 || T[0] != 0) {
    throw_msg(env, 1, fn, "treeOffset must start with 0");
    return 0;
  }
  for (size_t t = 1; t < toff->len; t++) {
    if (!(T[t] > T[t - 1])) {
      throw_msg(env, 1, fn, "treeOffset[%zu] must exceed treeOffset[%zu] (every tree has a node)", t, t - 1);
      return 0;
    }
  }
  if ((long long)T[toff->len - 1] != nodes) {
    throw_msg(env, 1, fn, "treeOffset ends at %d, expected feature.length = %lld", T[toff->len - 1], nodes);
    return 0;
  }
  if (want_disjoint(env, fn, ARGS(FOREST_PREDICT), v)) return 0;
  af_forest F = {(long)toff->len - 1, d, T, v[4].t.p, v[5].t.p, v[6].t.p, v[7].t.p, v[8].d};
  const int st = af_par_forest_predict(&F, v[0].t.p, n, v[9].t.p);
  return tree_status(env, fn, st, "n", n);
}

static const arg_spec TREE_PREDICT_BINNED[] = {T_(ARG_BINS, "bins"), FEATURES_D, I32("feature"),
                                               I32("bin"), I32("left"), F64("value"),
                                               OUT_(ARG_TF64, "out")};

static napi_value js_tree_predict_binned(napi_env env, napi_callback_info info) {
  const char *fn = "treePredictBinned";
  arg_val v[7];
  if (parse_args(env, info, fn, ARGS(TREE_PREDICT_BINNED), v) ||
      want_multiple(env, fn, "bins", &v[0].t, v[1].i, "d"))
    return 0;
  const long d = v[1].i, n = (long)(v[0].t.len / (size_t)d);
  const long long nodes = (long long)v[2].t.len;
  if (nodes < 1) {
    throw_msg(env, 1, fn, "the tree has no nodes");
    return 0;
  }
  const len_spec lens[] = {{3, nodes, "feature.length"}, {4, nodes, "feature.length"},
                           {5, nodes, "feature.length"}, {6, n, "bins.length / d"}};
  if (want_lens(env, fn, TREE_PREDICT_BINNED, v, LENS(lens))) return 0;
  /* The tree is checked here, node by node (it is small), so the message
   * never depends on which row meets a bad node first. */
  const int32_t *L = v[4].t.p, *F = v[2].t.p;
  for (long long j = 0; j < nodes; j++) {
    if (L[j] < 0) continue;
    if (!(L[j] > j && L[j] + 1 < nodes)) {
      throw_msg(env, 1, fn, "node %lld: children %d, %d are not after it inside the tree (%lld nodes)", j, L[j], L[j] + 1, nodes);
      return 0;
    }
    if (!(F[j] >= 0 && F[j] < d)) {
      throw_msg(env, 1, fn, "node %lld: feature %d is not in [0, d)", j, F[j]);
      return 0;
    }
  }
  if (want_disjoint(env, fn, ARGS(TREE_PREDICT_BINNED), v)) return 0;
  af_bintree T = {(long)nodes, v[2].t.p, v[3].t.p, L, v[5].t.p};
  af_binmat m = {v[0].t.p, v[0].t.type == napi_uint16_array, n, d, 0};
  const int st = af_par_tree_predict_binned(&m, &T, v[6].t.p);
  return tree_status(env, fn, st, "n", n);
}

static napi_value js_threads(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value r;
  napi_create_int32(env, af_threads_get(), &r);
  return r;
}

static napi_value js_set_threads(napi_env env, napi_callback_info info) {
  const char *fn = "setThreads";
  napi_value argv[1];
  long n;
  if (get_args(env, info, 1, argv, fn) ||
      get_int_in(env, argv[0], fn, "n", 1.0, (double)AF_MAX_THREADS, &n))
    return 0;
  af_threads_set((int)n);
  return undefined(env);
}

/* Cody's erfc coefficients (kernels/activations.h): zeros until the loader
 * (src/kernels/native.ts) sets them from src/kernels/activations.ts, before
 * any kernel runs. */
af_cody_t af_cody;

static napi_value js_set_erfc_coefficients(napi_env env, napi_callback_info info) {
  const char *fn = "setErfcCoefficients";
  napi_value argv[1];
  arr_t c;
  if (get_args(env, info, 1, argv, fn) || get_arr(env, argv[0], fn, "coefficients", 0, &c) ||
      want_len(env, fn, "coefficients", &c, AF_CODY_COUNT, "the Cody coefficient count"))
    return 0;
  memcpy(&af_cody, c.p, sizeof af_cody);
  return undefined(env);
}

static napi_value js_info(napi_env env, napi_callback_info info) {
  (void)info;
  char buf[160];
  const char *isa =
#if defined(__AVX512F__)
      "avx512";
#elif defined(__AVX2__)
      "avx2";
#elif defined(__AVX__)
      "avx";
#else
      "generic";
#endif
  snprintf(buf, sizeof buf, "simd=%s vector=%d tile=%dx%d", isa, AF_VL, AF_MR,
           AF_NVMAX * AF_VL);
  napi_value r;
  napi_create_string_utf8(env, buf, NAPI_AUTO_LENGTH, &r);
  return r;
}

NAPI_MODULE_INIT() {
  napi_property_descriptor props[] = {
      {"gemm", 0, js_gemm, 0, 0, 0, napi_enumerable, 0},
      {"denseForward", 0, js_dense_forward, 0, 0, 0, napi_enumerable, 0},
      {"denseBackward", 0, js_dense_backward, 0, 0, 0, napi_enumerable, 0},
      {"adamStep", 0, js_adam_step, 0, 0, 0, napi_enumerable, 0},
      {"rationalForward", 0, js_rational_forward, 0, 0, 0, napi_enumerable, 0},
      {"rationalBackward", 0, js_rational_backward, 0, 0, 0, napi_enumerable, 0},
      {"kanExpand", 0, js_kan_expand, 0, 0, 0, napi_enumerable, 0},
      {"kanExpandBackward", 0, js_kan_expand_backward, 0, 0, 0, napi_enumerable, 0},
      {"angularHeadForward", 0, js_angular_head_forward, 0, 0, 0, napi_enumerable, 0},
      {"angularHeadBackward", 0, js_angular_head_backward, 0, 0, 0, napi_enumerable, 0},
      {"mvLinearForward", 0, js_mv_linear_forward, 0, 0, 0, napi_enumerable, 0},
      {"mvLinearBackward", 0, js_mv_linear_backward, 0, 0, 0, napi_enumerable, 0},
      {"mvNormForward", 0, js_mv_norm_forward, 0, 0, 0, napi_enumerable, 0},
      {"mvNormBackward", 0, js_mv_norm_backward, 0, 0, 0, napi_enumerable, 0},
      {"mvGateForward", 0, js_mv_gate_forward, 0, 0, 0, napi_enumerable, 0},
      {"mvGateBackward", 0, js_mv_gate_backward, 0, 0, 0, napi_enumerable, 0},
      {"mvBilinearForward", 0, js_mv_bilinear_forward, 0, 0, 0, napi_enumerable, 0},
      {"mvBilinearBackward", 0, js_mv_bilinear_backward, 0, 0, 0, napi_enumerable, 0},
      {"mvAttentionForward", 0, js_mv_attention_forward, 0, 0, 0, napi_enumerable, 0},
      {"mvAttentionBackward", 0, js_mv_attention_backward, 0, 0, 0, napi_enumerable, 0},
      {"histBuild", 0, js_hist_build, 0, 0, 0, napi_enumerable, 0},
      {"histSubtract", 0, js_hist_subtract, 0, 0, 0, napi_enumerable, 0},
      {"splitFind", 0, js_split_find, 0, 0, 0, napi_enumerable, 0},
      {"partition", 0, js_partition, 0, 0, 0, napi_enumerable, 0},
      {"leafAdd", 0, js_leaf_add, 0, 0, 0, napi_enumerable, 0},
      {"forestPredict", 0, js_forest_predict, 0, 0, 0, napi_enumerable, 0},
      {"treePredictBinned", 0, js_tree_predict_binned, 0, 0, 0, napi_enumerable, 0},
      {"threads", 0, js_threads, 0, 0, 0, napi_enumerable, 0},
      {"setThreads", 0, js_set_threads, 0, 0, 0, napi_enumerable, 0},
      {"info", 0, js_info, 0, 0, 0, napi_enumerable, 0},
      {"setErfcCoefficients", 0, js_set_erfc_coefficients, 0, 0, 0, napi_enumerable, 0},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok)
    return 0;
  return exports;
}
