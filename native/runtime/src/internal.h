/* Internals of libampfit shared by its sources (not installed). The library
 * is dependency-free by design (issue 20: generators link it next to their
 * own code, so it may need nothing but libc, libm and pthreads); hence the
 * small hand-written SHA-256 and JSON parser here instead of libraries. */
#ifndef AMPFIT_INTERNAL_H
#define AMPFIT_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include "ampfit.h"

/* ---- errors.c ---- */
/* Sets the calling thread's message (printf format) and returns status. */
int amp_fail(int status, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
void amp_clear_error(void);

/* ---- sha256.c ---- */
void amp_sha256(const unsigned char *data, size_t n, unsigned char out[32]);

/* ---- json.c ---- */
enum { AMP_JNULL, AMP_JBOOL, AMP_JNUM, AMP_JSTR, AMP_JARR, AMP_JOBJ };
typedef struct amp_json {
  int type;
  int boolean;
  double num;
  char *str;              /* AMP_JSTR: NUL-terminated UTF-8 */
  size_t n;               /* AMP_JARR/AMP_JOBJ: number of items */
  struct amp_json *items; /* AMP_JARR/AMP_JOBJ: the values */
  char **keys;            /* AMP_JOBJ: the keys */
  size_t start, end;      /* the value's bytes in the source text */
} amp_json;
/* Parses text[0..n); on failure returns NULL and writes a message (with the byte offset) to err. */
amp_json *amp_json_parse(const char *text, size_t n, char *err, size_t err_size);
void amp_json_free(amp_json *v);
/* The member `key` of an object, or NULL. */
const amp_json *amp_json_get(const amp_json *obj, const char *key);

/* ---- the model (model.c builds it, exec.c evaluates it) ---- */
enum {
  OP_DENSE, OP_ACTIVATION, OP_RATIONAL, OP_KAN, OP_GATHER, OP_CONCAT, OP_MOMENTA, OP_LEGENDRE, OP_FOREST, OP_MEAN,
  OP_ORBIT, OP_FOLD, OP_VARIANCE, OP_INVERSE, OP_SIGMA, OP_PERIODIC, OP_ANGULAR,
  OP_MV_EMBED, OP_MV_LINEAR, OP_MV_NORM, OP_MV_GATE, OP_MV_BILINEAR, OP_MV_ATTENTION, OP_MV_READOUT,
  OP_LOG_EDGES
};
/* Activation codes as src/kernels/types.ts ACTIVATIONS. */
enum { ACT_LINEAR, ACT_RELU, ACT_LEAKY, ACT_ELU, ACT_SOFTPLUS, ACT_GELU, ACT_SILU, ACT_TANH };
/* Target transforms as src/transforms/target.ts. */
enum { TR_NONE, TR_STANDARDIZE, TR_LOG, TR_LOG_STANDARDIZE, TR_ASINH };

typedef struct {
  int kind;
  double shift, scale, unit;
} amp_transform;

typedef struct {
  int elements;
  const int32_t *src;          /* elements x d */
  const uint8_t *reflect;      /* elements x d */
  const uint8_t *reflectable;  /* d */
} amp_group;

typedef struct {
  int n_particles, incoming, features; /* features: 0 momenta, 1 invariants, 2 both */
  double tolerance, inv_scale;
  double *shift, *scale; /* per invariant pair (owned by the op) */
} amp_momenta;

/* The angularHead op (angular.c): decay k's cos θ = cos_off[k] + cos_scale[k] * x[cos_idx[k]], φ likewise. */
typedef struct {
  int l_max, decays;
  size_t per, k_size, zn;   /* harmonics per decay, their products, the decay tensor's size */
  size_t l_at, e_at;        /* offsets of L and e in the inner outputs */
  double alpha, beta;
  size_t idx[2 * 3];        /* cos, phi column per decay (at most 3 decays) */
  double off[2 * 3], scale[2 * 3];
  amp_transform tr;
  double *norm;             /* (l_max + 1)^2 normalisations, indexed l(l+1)/2 + m (owned) */
  double *weight;           /* zn (owned) */
} amp_angular;
/* The head's output T(ŷ) for raw row x and inner outputs o; scratch holds amp_angular_scratch(a) doubles. */
double amp_angular_row(const amp_angular *a, const double *x, const double *o, double *scratch);
size_t amp_angular_scratch(const amp_angular *a);
/* Fills norm and weight: 0, or AMPFIT_ERR_MEMORY. */
int amp_angular_init(amp_angular *a);
void amp_angular_free(amp_angular *a);

/* The multivector ops (multivector.c; src/graph/ops.ts MvOp): buffers of 16 x tokens x channels, component-major.
 * The algebra's constants come from the file (src/nn/lgatr/algebra.ts derives them), checked at load. */
typedef struct {
  size_t tokens, cin, cout;  /* channels in and out (equal but for mvLinear) */
  size_t heads, head_ch;     /* mvAttention */
  int grade[16];             /* mvLinear */
  double sign[16];           /* mvLinear: the dual signs; mvNorm, mvAttention: the metric */
  int blades[4];             /* mvEmbed: the vector blades */
  int *class_of;             /* mvEmbed: tokens (owned) */
  size_t n_terms;            /* mvBilinear: its table (owned) */
  unsigned char *t_left, *t_right, *t_out;
  double *t_sign;
  double eps, scale;
} amp_mv;
void amp_mv_embed(const amp_mv *v, const double *x, double *y);
/* scratch: 2 * cout doubles */
void amp_mv_linear(const amp_mv *v, const double *w, const double *x, const double *res, double *y, double *scratch);
/* scratch: tokens * (cin + 1) doubles */
void amp_mv_norm(const amp_mv *v, const double *x, double *y, double *scratch);
void amp_mv_bilinear(const amp_mv *v, const double *x, const double *y, double *z);
/* scratch: heads * tokens * tokens doubles */
void amp_mv_attention(const amp_mv *v, const double *q, const double *k, const double *val, double *o, double *scratch);
void amp_mv_readout(const amp_mv *v, const double *x, double *y);
void amp_mv_free(amp_mv *v);

typedef struct {
  int kind;
  size_t input, output;  /* buffers */
  size_t aux2;           /* mvAttention: the values (SIZE_MAX none) */
  amp_mv mv;
  size_t aux;            /* dense: residual (SIZE_MAX none); sigma: value buffer */
  size_t n_in, n_out;    /* dense, kan (n_in), legendre (dim, n terms) */
  size_t width;
  const double *w, *b;   /* dense weights and bias (b may be NULL); rational, legendre coefficients */
  int act, degree, groups, deg_p, deg_q, grid;
  double param, lo, hi, base;
  size_t *list;          /* gather: columns; concat, mean: inputs; orbit: outputs (owned) */
  size_t n_list;
  int sum_then_divide;   /* mean */
  const uint8_t *terms;  /* legendre */
  amp_transform tr;
  amp_group group;
  amp_momenta mom;
  double *periods;       /* owned */
  amp_angular ang;
  /* forest */
  size_t n_trees, n_nodes;
  const int32_t *tree_offset, *left;
  const uint16_t *feature;
  const float *threshold;
  const double *value;
  /* Set by amp_plan at load (exec.c): */
  int fused_act;         /* dense: the activation of the next op, applied here (-1 none); that op is then skipped */
  double fused_param;
  int skip;              /* an activation fused into the dense before it */
  double *wp, *bp;       /* dense: weights packed in column panels and the bias padded to them (owned, dense.c) */
  int simd;              /* dense: the AVX2 kernel may run */
} amp_op;

struct ampfit_model {
  unsigned char *bytes; /* the file, owned; arrays point into it */
  size_t n_bytes;
  amp_json *header;
  size_t dim;
  int input_kind;       /* 0 coordinates, 1 momenta */
  char **names;         /* dim names (owned) */
  double *lo, *hi;      /* the domain, dim each; NULL: no box */
  const amp_op *momenta_check; /* the momentumFeatures op reading the input row, or NULL */
  size_t n_bufs;
  size_t *widths;
  size_t n_ops;
  amp_op *ops;
  size_t out_value, out_sigma; /* out_sigma: SIZE_MAX if none */
  char *info;
  /* momenta.c: the config's data.momentum_map (-1 none), four-momenta per point (0: cannot take momenta), target is a ratio to a Born. */
  int momentum_map;
  size_t n_particles;
  int born_ratio;
  /* The evaluation plan (amp_plan): buffer b's rows start at work + buf_off[b] * rows; buffers whose
   * lives do not overlap share space, so a block's workspace stays in cache. */
  size_t *buf_off;
  size_t row_doubles;   /* workspace doubles per row */
  size_t scratch;       /* doubles of per-row scratch (legendre, orbit, fold) */
};

/* exec.c */
/* After the ops are parsed: fuses dense + activation, packs the dense weights and lays out the workspace. */
int amp_plan(ampfit_model *m);
void amp_plan_free(ampfit_model *m);
/* Momentum checks of src/data/momenta.ts checkMomentumRow: 0 or a reason (1..4); writes the features when f is not NULL. */
int amp_momenta_row(const amp_momenta *m, const double *p, double *f);
/* The inverse target transform and |dy/dt| (TargetTransform.inverseValue, inverseSlope). */
double amp_inverse(const amp_transform *t, double v);

/* momenta.c */
/* Reads the header's momentum map and Born, and adds them to the info JSON. */
int amp_physics_load(ampfit_model *m, const char *src);
/* The data card's coordinates of six momenta (u, ubar, e-, e+, mu-, mu+; E, px, py, pz each) under map 0 (zz4l-8d),
 * 1 (zz4l-4d) or 2 (zz4l-2d): AMPFIT_POINT_OK, or a point code with the reason written to why. */
int amp_zz4l_map(int map, const double *p, double *x, char *why, size_t why_size);

/* dense.c: y = act(x W + b + res) for nb rows, the sum over inputs ascending as src/export/c (no FMA). */
int amp_dense_pack(amp_op *op);
void amp_dense_free(amp_op *op);
/* act is op->fused_act when it is linear, relu or leaky_relu (done in registers), else the caller applies it. */
void amp_dense(const amp_op *op, const double *x, size_t ldx, const double *res, double *y, size_t nb, int act);
int amp_dense_in_register(int act);

#endif
