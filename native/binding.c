/* Node-API surface of the kernels. Every argument is checked here, before any
 * kernel runs: types, integral dimensions, exact typed-array lengths, and
 * overlaps between outputs and other arrays. A bad call throws a JS TypeError or
 * RangeError whose message matches src/kernels/checks.ts word for word, so both
 * backends fail the same way; nothing here may crash or exit the process. */
#include <math.h>
#include <node_api.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "kernels/activations.h"
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

static int overlap(const arr_t *a, const arr_t *b) {
  if (!a->present || !b->present || a->len == 0 || b->len == 0) return 0;
  const char *a0 = (const char *)a->p, *a1 = a0 + a->len * sizeof(double);
  const char *b0 = (const char *)b->p, *b1 = b0 + b->len * sizeof(double);
  return a0 < b1 && b0 < a1;
}

static int same(const arr_t *a, const arr_t *b) {
  return a->present && b->present && a->len > 0 && a->p == b->p && a->len == b->len;
}

/* `out` must not share memory with any of the `n` arrays in `others`. */
static int disjoint(napi_env env, const char *fn, const char *oname, const arr_t *out, int n,
                    const arr_t *const *others, const char *const *names) {
  for (int i = 0; i < n; i++) {
    if (overlap(out, others[i])) {
      throw_msg(env, 1, fn, "%s overlaps %s", oname, names[i]);
      return -1;
    }
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

static napi_value js_gemm(napi_env env, napi_callback_info info) {
  const char *fn = "gemm";
  napi_value argv[13];
  if (get_args(env, info, 13, argv, fn)) return 0;
  int ta, tb;
  long m, n, k, lda, ldb, ldc;
  double alpha, beta;
  arr_t a, b, c;
  if (get_bool(env, argv[0], fn, "transA", &ta) || get_bool(env, argv[1], fn, "transB", &tb) ||
      get_dim(env, argv[2], fn, "m", &m) || get_dim(env, argv[3], fn, "n", &n) ||
      get_dim(env, argv[4], fn, "k", &k) || get_finite(env, argv[5], fn, "alpha", &alpha) ||
      get_arr(env, argv[6], fn, "a", 0, &a) || get_dim(env, argv[7], fn, "lda", &lda) ||
      get_arr(env, argv[8], fn, "b", 0, &b) || get_dim(env, argv[9], fn, "ldb", &ldb) ||
      get_finite(env, argv[10], fn, "beta", &beta) || get_arr(env, argv[11], fn, "c", 0, &c) ||
      get_dim(env, argv[12], fn, "ldc", &ldc))
    return 0;
  long arows = ta ? k : m, acols = ta ? m : k;
  long brows = tb ? n : k, bcols = tb ? k : n;
  if (want_ld(env, fn, "lda", lda, acols) || want_ld(env, fn, "ldb", ldb, bcols) ||
      want_ld(env, fn, "ldc", ldc, n) || want_matrix(env, fn, "a", &a, arows, acols, lda) ||
      want_matrix(env, fn, "b", &b, brows, bcols, ldb) ||
      want_matrix(env, fn, "c", &c, m, n, ldc))
    return 0;
  const arr_t *ins[] = {&a, &b};
  const char *names[] = {"a", "b"};
  if (disjoint(env, fn, "c", &c, 2, ins, names)) return 0;
  if (af_par_gemm(ta, tb, m, n, k, alpha, a.p, lda, b.p, ldb, beta, c.p, ldc)) return oom(env, fn);
  return undefined(env);
}

static napi_value js_dense_forward(napi_env env, napi_callback_info info) {
  const char *fn = "denseForward";
  napi_value argv[11];
  if (get_args(env, info, 11, argv, fn)) return 0;
  arr_t x, w, b, res, z, y;
  long n, nIn, nOut, act;
  double param;
  if (get_arr(env, argv[0], fn, "x", 0, &x) || get_dim(env, argv[1], fn, "n", &n) ||
      get_dim(env, argv[2], fn, "nIn", &nIn) || get_arr(env, argv[3], fn, "w", 0, &w) ||
      get_arr(env, argv[4], fn, "b", 1, &b) || get_dim(env, argv[5], fn, "nOut", &nOut) ||
      get_int_in(env, argv[6], fn, "act code", 0, AF_ACT_COUNT - 1, &act) ||
      get_finite(env, argv[7], fn, "act.param", &param) ||
      get_arr(env, argv[8], fn, "residual", 1, &res) || get_arr(env, argv[9], fn, "z", 0, &z) ||
      get_arr(env, argv[10], fn, "y", 0, &y))
    return 0;
  long long nI = (long long)n * nIn, IO = (long long)nIn * nOut, nO = (long long)n * nOut;
  if (want_len(env, fn, "x", &x, nI, "n*nIn") || want_len(env, fn, "w", &w, IO, "nIn*nOut") ||
      want_len(env, fn, "b", &b, nOut, "nOut") ||
      want_len(env, fn, "residual", &res, nO, "n*nOut") ||
      want_len(env, fn, "z", &z, nO, "n*nOut") || want_len(env, fn, "y", &y, nO, "n*nOut"))
    return 0;
  const arr_t *ins[] = {&x, &w, &b};
  const char *names[] = {"x", "w", "b"};
  if (disjoint(env, fn, "z", &z, 3, ins, names) || disjoint(env, fn, "y", &y, 3, ins, names))
    return 0;
  if (same(&z, &y)) {
    if (act != AF_ACT_LINEAR) {
      throw_msg(env, 1, fn, "y may be the same array as z only when act is linear");
      return 0;
    }
  } else if (overlap(&z, &y)) {
    throw_msg(env, 1, fn, "y overlaps z");
    return 0;
  }
  if (overlap(&res, &z) && !same(&res, &z)) {
    throw_msg(env, 1, fn, "residual partially overlaps z");
    return 0;
  }
  if (overlap(&res, &y) && !same(&res, &y)) {
    throw_msg(env, 1, fn, "residual partially overlaps y");
    return 0;
  }
  if (af_par_dense_forward(x.p, n, nIn, w.p, b.present ? b.p : 0, nOut, (int)act, param,
                           res.present ? res.p : 0, z.p, y.p))
    return oom(env, fn);
  return undefined(env);
}

static napi_value js_dense_backward(napi_env env, napi_callback_info info) {
  const char *fn = "denseBackward";
  napi_value argv[15];
  if (get_args(env, info, 15, argv, fn)) return 0;
  arr_t x, w, z, y, dy, dz, dx, gw, gb;
  long n, nIn, nOut, act;
  double param;
  int accumulate;
  if (get_arr(env, argv[0], fn, "x", 0, &x) || get_dim(env, argv[1], fn, "n", &n) ||
      get_dim(env, argv[2], fn, "nIn", &nIn) || get_arr(env, argv[3], fn, "w", 0, &w) ||
      get_dim(env, argv[4], fn, "nOut", &nOut) ||
      get_int_in(env, argv[5], fn, "act code", 0, AF_ACT_COUNT - 1, &act) ||
      get_finite(env, argv[6], fn, "act.param", &param) ||
      get_arr(env, argv[7], fn, "z", 0, &z) || get_arr(env, argv[8], fn, "y", 0, &y) ||
      get_arr(env, argv[9], fn, "dy", 0, &dy) || get_arr(env, argv[10], fn, "dz", 0, &dz) ||
      get_arr(env, argv[11], fn, "dx", 1, &dx) || get_arr(env, argv[12], fn, "gw", 0, &gw) ||
      get_arr(env, argv[13], fn, "gb", 1, &gb) ||
      get_bool(env, argv[14], fn, "accumulate", &accumulate))
    return 0;
  long long nI = (long long)n * nIn, IO = (long long)nIn * nOut, nO = (long long)n * nOut;
  if (want_len(env, fn, "x", &x, nI, "n*nIn") || want_len(env, fn, "w", &w, IO, "nIn*nOut") ||
      want_len(env, fn, "z", &z, nO, "n*nOut") || want_len(env, fn, "y", &y, nO, "n*nOut") ||
      want_len(env, fn, "dy", &dy, nO, "n*nOut") || want_len(env, fn, "dz", &dz, nO, "n*nOut") ||
      want_len(env, fn, "dx", &dx, nI, "n*nIn") || want_len(env, fn, "gw", &gw, IO, "nIn*nOut") ||
      want_len(env, fn, "gb", &gb, nOut, "nOut"))
    return 0;
  if (overlap(&dz, &dy) && !same(&dz, &dy)) {
    throw_msg(env, 1, fn, "dz partially overlaps dy");
    return 0;
  }
  const arr_t *all[] = {&x, &w, &z, &y, &dy, &dz, &dx, &gw};
  const char *names[] = {"x", "w", "z", "y", "dy", "dz", "dx", "gw"};
  if (disjoint(env, fn, "dz", &dz, 4, all, names) || disjoint(env, fn, "dx", &dx, 6, all, names) ||
      disjoint(env, fn, "gw", &gw, 7, all, names) || disjoint(env, fn, "gb", &gb, 8, all, names))
    return 0;
  if (af_par_dense_backward(x.p, n, nIn, w.p, nOut, (int)act, param, z.p, dy.p, dz.p,
                            dx.present ? dx.p : 0, gw.p, gb.present ? gb.p : 0, accumulate))
    return oom(env, fn);
  return undefined(env);
}

static napi_value js_adam_step(napi_env env, napi_callback_info info) {
  const char *fn = "adamStep";
  napi_value argv[9];
  if (get_args(env, info, 9, argv, fn)) return 0;
  arr_t p, g, m, v;
  double lr, b1, b2, eps;
  long step;
  if (get_arr(env, argv[0], fn, "p", 0, &p) || get_arr(env, argv[1], fn, "g", 0, &g) ||
      get_arr(env, argv[2], fn, "m", 0, &m) || get_arr(env, argv[3], fn, "v", 0, &v) ||
      get_finite(env, argv[4], fn, "lr", &lr) || get_finite(env, argv[5], fn, "beta1", &b1) ||
      get_finite(env, argv[6], fn, "beta2", &b2) || get_finite(env, argv[7], fn, "eps", &eps) ||
      get_int_in(env, argv[8], fn, "step", 1.0, MAX_STEP, &step))
    return 0;
  long long np = (long long)p.len;
  if (want_len(env, fn, "g", &g, np, "p.length") || want_len(env, fn, "m", &m, np, "p.length") ||
      want_len(env, fn, "v", &v, np, "p.length"))
    return 0;
  const arr_t *all[] = {&p, &g, &m, &v};
  const char *names[] = {"p", "g", "m", "v"};
  if (disjoint(env, fn, "g", &g, 1, all, names) || disjoint(env, fn, "m", &m, 2, all, names) ||
      disjoint(env, fn, "v", &v, 3, all, names))
    return 0;
  if (af_par_adam(p.p, g.p, m.p, v.p, (long)p.len, lr, b1, b2, eps, (double)step))
    return oom(env, fn);
  return undefined(env);
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
      {"threads", 0, js_threads, 0, 0, 0, napi_enumerable, 0},
      {"setThreads", 0, js_set_threads, 0, 0, 0, napi_enumerable, 0},
      {"info", 0, js_info, 0, 0, 0, napi_enumerable, 0},
  };
  if (napi_define_properties(env, exports, sizeof props / sizeof props[0], props) != napi_ok)
    return 0;
  return exports;
}
