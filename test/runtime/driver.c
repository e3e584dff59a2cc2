/* Test driver for libampfit (test/runtime/libampfit.test.ts):
 *   driver <model> <mode> [points.bin n]
 * modes: load (status and message), info, eval (status, message, then
 * "value sigma" per point in %.17g), check (codes), threads (4 threads on
 * one handle against 1 thread, bit for bit), time (load and eval timing). */
#define _POSIX_C_SOURCE 200809L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ampfit.h"

static double *read_points(const char *path, size_t n, size_t d) {
  FILE *f = fopen(path, "rb");
  double *x = malloc((n * d + 1) * sizeof *x);
  if (f == NULL || x == NULL || fread(x, sizeof *x, n * d, f) != n * d) { fprintf(stderr, "cannot read %s\n", path); exit(2); }
  fclose(f);
  return x;
}

typedef struct { const ampfit_model *m; const double *x; size_t n; double *out, *sigma; int status; } job;

static void *run(void *arg) {
  job *j = arg;
  int k;
  /* Several passes so the threads overlap in time. */
  for (k = 0; k < 5; k++) j->status = ampfit_eval(j->m, j->x, j->n, j->out, j->sigma);
  return NULL;
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + 1e-9 * t.tv_nsec;
}

int main(int argc, char **argv) {
  ampfit_model *m = NULL;
  const char *mode = argc > 2 ? argv[2] : "load";
  size_t d = 0, n = argc > 4 ? (size_t)strtoull(argv[4], NULL, 10) : 0, i;
  double *x = NULL;
  int st;
  if (strcmp(mode, "memory") == 0) {
    /* The file's bytes through ampfit_load_memory, freed before use: the handle holds its own copy. */
    FILE *f = fopen(argv[1], "rb");
    long size;
    unsigned char *bytes;
    ampfit_model *m2 = NULL;
    const char *a, *b;
    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) return 2;
    bytes = malloc((size_t)size + 1);
    if (bytes == NULL || fread(bytes, 1, (size_t)size, f) != (size_t)size) return 2;
    fclose(f);
    st = ampfit_load_memory(bytes, (size_t)size, &m);
    memset(bytes, 0, (size_t)size);
    free(bytes);
    printf("status %d\nmessage %s\n", st, ampfit_last_error());
    if (st != AMPFIT_OK) return 0;
    ampfit_input_dim(m, &d);
    ampfit_load(argv[1], &m2);
    ampfit_info(m, &a);
    ampfit_info(m2, &b);
    printf("dim %zu\ninfo identical %d\n", d, strcmp(a, b) == 0);
    ampfit_free(m);
    ampfit_free(m2);
    return 0;
  }
  st = ampfit_load(argv[1], &m);
  if (strcmp(mode, "load") == 0 || st != AMPFIT_OK) {
    printf("status %d\nmessage %s\n", st, ampfit_last_error());
    ampfit_free(m);
    return 0;
  }
  ampfit_input_dim(m, &d);
  if (argc > 3) x = read_points(argv[3], n, d);
  if (strcmp(mode, "info") == 0) {
    int kind, sig;
    const char *json, *name;
    double *lo = malloc(d * sizeof *lo), *hi = malloc(d * sizeof *hi);
    ampfit_input_kind(m, &kind);
    ampfit_has_sigma(m, &sig);
    ampfit_info(m, &json);
    ampfit_domain(m, lo, hi);
    printf("dim %zu\nkind %d\nsigma %d\nabi %d\nversion %s\n", d, kind, sig, ampfit_abi_version(), ampfit_version());
    for (i = 0; i < d; i++) {
      ampfit_input_name(m, i, &name);
      printf("input %s %.17g %.17g\n", name, lo[i], hi[i]);
    }
    printf("badname %d\n", ampfit_input_name(m, d, &name));
    printf("info %s\n", json);
    free(lo);
    free(hi);
  } else if (strcmp(mode, "eval") == 0) {
    double *out = malloc((n + 1) * sizeof *out), *sigma = malloc((n + 1) * sizeof *sigma);
    st = ampfit_eval(m, x, n, out, sigma);
    printf("status %d\nmessage %s\n", st, ampfit_last_error());
    for (i = 0; i < n; i++) printf("%.17g %.17g\n", out[i], sigma[i]);
    free(out);
    free(sigma);
  } else if (strcmp(mode, "check") == 0) {
    int *codes = malloc((n + 1) * sizeof *codes);
    st = ampfit_check(m, x, n, codes);
    printf("status %d\n", st);
    for (i = 0; i < n; i++) printf("%d %s\n", codes[i], ampfit_point_strerror(codes[i]));
    free(codes);
  } else if (strcmp(mode, "threads") == 0) {
    job one, many[4];
    pthread_t t[4];
    int k, same = 1;
    one.m = m; one.x = x; one.n = n;
    one.out = malloc(n * sizeof(double));
    one.sigma = malloc(n * sizeof(double));
    run(&one);
    for (k = 0; k < 4; k++) {
      many[k] = one;
      many[k].out = malloc(n * sizeof(double));
      many[k].sigma = malloc(n * sizeof(double));
      pthread_create(&t[k], NULL, run, &many[k]);
    }
    for (k = 0; k < 4; k++) {
      pthread_join(t[k], NULL);
      same = same && many[k].status == one.status && memcmp(many[k].out, one.out, n * sizeof(double)) == 0 &&
             memcmp(many[k].sigma, one.sigma, n * sizeof(double)) == 0;
    }
    printf("status %d\nidentical %d\n", one.status, same);
  } else if (strcmp(mode, "time") == 0) {
    double t0 = now(), t1, *out = malloc(n * sizeof *out);
    int k, loads = 20, reps = 20;
    for (k = 0; k < loads; k++) {
      ampfit_model *m2;
      ampfit_load(argv[1], &m2);
      ampfit_free(m2);
    }
    t1 = now();
    printf("status 0\nload_ms %.4f\n", (t1 - t0) / loads * 1e3);
    t0 = now();
    for (k = 0; k < reps; k++) ampfit_eval(m, x, n, out, NULL);
    t1 = now();
    printf("eval_us_per_point %.4f\n", (t1 - t0) / (reps * (double)n) * 1e6);
    free(out);
  }
  free(x);
  ampfit_free(m);
  return 0;
}
