/* libampfit: load an ampfit model file and evaluate it from C, C++, Fortran
 * or Python, with no Node.js at run time.
 *
 * Conventions (those of LightGBM's and XGBoost's C APIs, which generator
 * authors already link against):
 *   - Every function that can fail returns an int status: AMPFIT_OK (0) or
 *     one of the AMPFIT_ERR_* codes below; ampfit_last_error() then holds a
 *     message for the calling thread (file, what was expected, what was found).
 *   - Handles are opaque. A loaded model is read-only: any number of threads
 *     may call ampfit_eval* on one handle at once, without locks.
 *   - The caller owns every buffer. Arrays are row-major: point i of a batch
 *     of inputs starts at x[i * input_dim].
 *   - float64 throughout. The library never prints, never calls exit() and
 *     never aborts on bad input.
 */
#ifndef AMPFIT_H
#define AMPFIT_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define AMPFIT_ABI_VERSION 1

/* Status codes. */
#define AMPFIT_OK 0
#define AMPFIT_ERR_IO 1          /* a file could not be opened or read */
#define AMPFIT_ERR_FORMAT 2      /* not an ampfit model file, or a malformed one */
#define AMPFIT_ERR_CHECKSUM 3    /* the file's SHA-256 does not match: it was damaged */
#define AMPFIT_ERR_UNSUPPORTED 4 /* a model file version or op this library does not know */
#define AMPFIT_ERR_ARGUMENT 5    /* a NULL handle or buffer, n too large, an unknown name */
#define AMPFIT_ERR_MEMORY 6      /* allocation failed */
#define AMPFIT_ERR_DOMAIN 7      /* at least one point is outside the model's input domain */
#define AMPFIT_ERR_CALLBACK 8    /* the user's exact function reported a failure */

/* Per-point codes of ampfit_check (0: the point is inside the domain). */
#define AMPFIT_POINT_OK 0
#define AMPFIT_POINT_NOT_FINITE 1    /* an input is NaN or infinite */
#define AMPFIT_POINT_OUTSIDE 2       /* a coordinate is outside the trained range */
#define AMPFIT_POINT_BAD_MOMENTA 3   /* momenta fail predict's physics checks (energies, s, conservation) */

typedef struct ampfit_model ampfit_model;

/* The message of the last failed call on this thread ("" if none). Static, thread-local storage. */
const char *ampfit_last_error(void);
/* The library's version, e.g. "0.1.0". */
const char *ampfit_version(void);
/* AMPFIT_ABI_VERSION of the compiled library: compare with the header's. */
int ampfit_abi_version(void);

/* Loads a model: a model.ampfit file or a model directory holding one. */
int ampfit_load(const char *path, ampfit_model **out);
/* The same from bytes in memory (copied; the caller may free them afterwards). */
int ampfit_load_memory(const void *bytes, size_t n_bytes, ampfit_model **out);
/* Frees a handle (NULL is allowed). No other thread may be using it. */
void ampfit_free(ampfit_model *model);

/* What the model is. */
/* Doubles per input point. */
int ampfit_input_dim(const ampfit_model *model, size_t *dim);
/* 0: unit-hypercube coordinates; 1: four-momenta (E, px, py, pz per particle, GeV). */
int ampfit_input_kind(const ampfit_model *model, int *kind);
/* The name of input i (static for the handle's life). */
int ampfit_input_name(const ampfit_model *model, size_t i, const char **name);
/* The trained box of the inputs, dim doubles each (coordinate models; -inf/+inf where unbounded). */
int ampfit_domain(const ampfit_model *model, double *lo, double *hi);
/* 1 if the model learned an uncertainty (ampfit_eval then fills sigma), else 0. */
int ampfit_has_sigma(const ampfit_model *model, int *has_sigma);
/* The model's description as JSON (type, target, inputs, ...), static for the handle's life. */
int ampfit_info(const ampfit_model *model, const char **json);

/* Per point, AMPFIT_POINT_OK or why it is outside the model's domain; codes has n ints. */
int ampfit_check(const ampfit_model *model, const double *x, size_t n, int *codes);
/* What a per-point code means (static storage). */
const char *ampfit_point_strerror(int code);

/* Evaluates n points: out[i] is what `ampfit predict` writes for row i (to
 * ~1e-12 relative). sigma may be NULL; otherwise it receives the learned
 * systematic uncertainty of each value in the same units (NaN if the model
 * has none). Points that fail ampfit_check give NaN and the call returns
 * AMPFIT_ERR_DOMAIN after evaluating all the others. */
int ampfit_eval(const ampfit_model *model, const double *x, size_t n, double *out, double *sigma);

/* Physics inputs: four-momenta in, the amplitude out. */
/* How many four-momenta one point takes: the particles of a momentum-input
 * model, or the six (u, ubar, e-, e+, mu-, mu+) of a coordinate model whose
 * config declares data.momentum_map; AMPFIT_ERR_UNSUPPORTED for any other
 * coordinate model. ampfit_info's "particles" names them in order. */
int ampfit_n_particles(const ampfit_model *model, size_t *n);

/* Evaluates n points given as four-momenta: p holds n x n_particles x 4
 * doubles (E, px, py, pz in GeV, incoming particles with positive energy).
 * A momentum-input model reads them as ampfit_eval does; a model with a
 * momentum map gets the data card's coordinates of them (any frame: they are
 * boosted to the partonic CM frame). If the model's target is a ratio to a
 * Born (ampfit_info's "born" is not null), out[i] = ratio x born[i] and
 * sigma[i] = sigma_ratio x |born[i]| (born is then required, else
 * AMPFIT_ERR_ARGUMENT); otherwise out is the target and born may be NULL.
 * Points whose momenta fail the checks (finite, positive energies, massless
 * to 1e-6 s, momentum conserved to 1e-6 sqrt(s), coordinates inside the
 * domain) give NaN, and the call returns AMPFIT_ERR_DOMAIN after evaluating
 * all the others. */
int ampfit_eval_momenta(const ampfit_model *model, const double *p, size_t n, const double *born, double *out, double *sigma);

/* The caller's exact function: n points, row-major like x; writes out[0..n-1]; returns 0 on success. */
typedef int (*ampfit_exact_fn)(const double *x, size_t n, double *out, void *user);

/* As ampfit_eval, but wherever sigma/|value| > tol (precisely: !(sigma <=
 * tol |value|), so a NaN sigma or a zero value with sigma > 0 falls back too),
 * the point is outside the domain, or the value is not finite, out[i] comes
 * from exact_fn instead (called once per call, with all such points gathered
 * row-major, none if no point falls back). *fallback_fraction (may be NULL)
 * receives the fraction of the n points that fell back. A model without a
 * learned uncertainty gives AMPFIT_ERR_UNSUPPORTED unless tol is +INFINITY
 * (then only points without a value fall back); tol < 0 or NaN is
 * AMPFIT_ERR_ARGUMENT. Points outside the domain are not an error here. If
 * exact_fn returns nonzero, the gathered points are NaN and the call returns
 * AMPFIT_ERR_CALLBACK with the code in ampfit_last_error(). */
int ampfit_eval_fallback(const ampfit_model *model, const double *x, size_t n, double *out, double tol,
                         ampfit_exact_fn exact_fn, void *user, double *fallback_fraction);

#ifdef __cplusplus
}
#endif

#endif /* AMPFIT_H */
