/* Timing driver for an `ampfit export --format c` model named bench_model
 * (bench/infer.ts compiles it with gcc -O3 -march=native -pthread).
 *
 *   infer-driver <seconds> <batch>:<threads> ...
 *
 * prints one line "<batch> <threads> <points per second>" per pair, the best
 * of three runs of seconds/3 each.
 * Batch 1 calls bench_model_eval point by point; larger batches call
 * bench_model_eval_batch. With T threads (POSIX threads in this one
 * process) each batch is split into T contiguous parts, one per thread, and
 * the threads meet at a barrier before every batch, so a batch is only done
 * when all its parts are; at batch 1 each thread evaluates its own stream of
 * points (T independent callers, as in a multi-threaded event generator). */
#define _POSIX_C_SOURCE 200112L
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define POOL 65536

#ifdef LIBAMPFIT
/* Built with -DLIBAMPFIT against libampfit instead: the model file is loaded
 * at run time (argv[2]; its load time is printed first as "load <ms>") and
 * every call goes through ampfit_eval on one shared handle. */
#include "ampfit.h"
static const ampfit_model *model;
static size_t D;
static double bench_model_eval(const double *x) {
  double y;
  ampfit_eval(model, x, 1, &y, NULL);
  return y;
}
static void bench_model_eval_batch(const double *x, size_t n, double *out) { ampfit_eval(model, x, n, out, NULL); }
#else
#include "bench_model.h"
#define D BENCH_MODEL_N_INPUTS
#endif

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

typedef struct {
  const double *x;
  double *out;
  size_t batch, lo, hi; /* this thread's rows of each batch; at batch 1, lo is its first pool point */
  long reps;
  pthread_barrier_t *barrier;
  double sink;
} part;

static void *run_part(void *arg) {
  part *p = arg;
  long r;
  for (r = 0; r < p->reps; r++) {
    if (p->barrier) pthread_barrier_wait(p->barrier);
    if (p->batch == 1) {
      /* Single points: walk through the pool so inputs vary. */
      size_t i = (p->lo + (size_t)r) % POOL;
      p->sink += bench_model_eval(p->x + i * D);
    } else {
      bench_model_eval_batch(p->x + p->lo * D, p->hi - p->lo, p->out + p->lo);
    }
  }
  return NULL;
}

/* Points per second for one (batch, threads) pair, over at least `seconds`. */
static double measure(const double *x, double *out, size_t batch, int threads, double seconds) {
  part parts[64];
  pthread_t ids[64];
  pthread_barrier_t barrier;
  double t0, el = 0, sink = 0;
  long reps = 1;
  int t;
  /* Calibrate on one thread, then run long enough. */
  for (;;) {
    part p = {x, out, batch, 0, batch, reps, NULL, 0};
    t0 = now();
    run_part(&p);
    el = now() - t0;
    sink += p.sink;
    if (el > seconds / 10 || reps > (1L << 40)) break;
    reps *= 2;
  }
  reps = (long)((double)reps * seconds / el) + 1;
  if (threads > 1 && batch > 1) pthread_barrier_init(&barrier, NULL, (unsigned)threads);
  t0 = now();
  for (t = 0; t < threads; t++) {
    part *p = &parts[t];
    p->x = x;
    p->out = out;
    p->batch = batch;
    p->lo = batch == 1 ? (size_t)t * (POOL / (size_t)threads) : batch * (size_t)t / (size_t)threads;
    p->hi = batch == 1 ? p->lo + 1 : batch * (size_t)(t + 1) / (size_t)threads;
    p->reps = reps;
    p->barrier = threads > 1 && batch > 1 ? &barrier : NULL;
    p->sink = 0;
    if (t > 0) pthread_create(&ids[t], NULL, run_part, p);
  }
  run_part(&parts[0]);
  for (t = 1; t < threads; t++) pthread_join(ids[t], NULL);
  el = now() - t0;
  for (t = 0; t < threads; t++) sink += parts[t].sink;
  if (threads > 1 && batch > 1) pthread_barrier_destroy(&barrier);
  if (sink == 12345.678) puts(""); /* keeps the single-point results alive */
  return (double)reps * (double)(batch == 1 ? (size_t)threads : batch) / el;
}

int main(int argc, char **argv) {
  double seconds;
  double *x, *out;
  unsigned long s = 88172645463325252UL;
  size_t i;
  int a;
  if (argc < 3) return 2;
  seconds = atof(argv[1]);
#ifdef LIBAMPFIT
  {
    ampfit_model *m = NULL;
    double t0 = now(), best = 1e30;
    int k;
    /* Best of five loads: the first pays for the page cache. */
    for (k = 0; k < 5; k++) {
      t0 = now();
      if (ampfit_load(argv[2], &m) != AMPFIT_OK) {
        fprintf(stderr, "%s\n", ampfit_last_error());
        return 5;
      }
      if (now() - t0 < best) best = now() - t0;
      if (k < 4) ampfit_free(m);
    }
    model = m;
    ampfit_input_dim(model, &D);
    printf("load %.6e\n", 1e3 * best);
    argv++;
    argc--;
  }
#endif
  x = malloc((size_t)POOL * D * sizeof(double));
  out = malloc((size_t)POOL * sizeof(double));
  if (!x || !out) return 3;
  for (i = 0; i < (size_t)POOL * D; i++) {
    s ^= s << 13;
    s ^= s >> 7;
    s ^= s << 17;
    x[i] = (double)(s >> 11) / 9007199254740992.0;
  }
  for (a = 2; a < argc; a++) {
    size_t batch;
    int threads;
    if (sscanf(argv[a], "%zu:%d", &batch, &threads) != 2 || batch < 1 || batch > POOL || threads < 1 || threads > 64) return 4;
    /* Best of three: the machine is shared and noisy. */
    double best = 0;
    int k;
    for (k = 0; k < 3; k++) {
      double v = measure(x, out, batch, threads, seconds / 3);
      if (v > best) best = v;
    }
    printf("%zu %d %.6e\n", batch, threads, best);
    fflush(stdout);
  }
  return 0;
}
