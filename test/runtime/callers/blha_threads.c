/* BLHA evaluations from several threads after one OLP_Start
 * (test/runtime/blha.test.ts):
 *   blha_threads <contract> <points.bin> <n> <particles> <id> <threads>
 * prints "identical 0|1": whether every thread's OLP_EvalSubProcess2 results
 * (rval[0..3] and acc of each point) are the bits of one thread's. */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ampfit_blha.h"

typedef struct { const double *pp; size_t n, np; int id; double *out; } job;

static void *run(void *arg) {
  job *j = arg;
  size_t i, k;
  const double mu = 1000;
  for (i = 0; i < j->n; i++) {
    double rval[4] = {0, 0, 0, 0}, acc = 0;
    OLP_EvalSubProcess2(&j->id, j->pp + 5 * j->np * i, &mu, rval, &acc);
    for (k = 0; k < 4; k++) j->out[5 * i + k] = rval[k];
    j->out[5 * i + 4] = acc;
  }
  return NULL;
}

int main(int argc, char **argv) {
  size_t n, np, i, j;
  int ierr = 0, t, threads, same = 1;
  double *x, *pp;
  FILE *f;
  job one, many[16];
  pthread_t tid[16];
  if (argc != 7) return 2;
  n = strtoull(argv[3], NULL, 10);
  np = strtoull(argv[4], NULL, 10);
  threads = atoi(argv[6]);
  if (threads < 1 || threads > 16 || np == 0) return 2;
  x = malloc(n * np * 4 * sizeof *x);
  pp = malloc(n * np * 5 * sizeof *pp);
  f = fopen(argv[2], "rb");
  if (x == NULL || pp == NULL || f == NULL || fread(x, sizeof *x, n * np * 4, f) != n * np * 4) return 2;
  fclose(f);
  for (i = 0; i < n * np; i++) {
    memcpy(pp + 5 * i, x + 4 * i, 4 * sizeof *x);
    pp[5 * i + 4] = 0;
  }
  OLP_Start(argv[1], &ierr);
  if (ierr != 1) return 3;
  one.pp = pp; one.n = n; one.np = np; one.id = atoi(argv[5]);
  one.out = malloc(5 * n * sizeof(double));
  run(&one);
  for (t = 0; t < threads; t++) {
    many[t] = one;
    many[t].out = malloc(5 * n * sizeof(double));
    pthread_create(&tid[t], NULL, run, &many[t]);
  }
  for (t = 0; t < threads; t++) {
    pthread_join(tid[t], NULL);
    same = same && memcmp(many[t].out, one.out, 5 * n * sizeof(double)) == 0;
    free(many[t].out);
  }
  /* NaN would mean failed evaluations, identical without proving anything. */
  for (j = 0; j < 5 * n; j++)
    if (isnan(one.out[j])) same = 0;
  printf("identical %d\n", same);
  free(one.out);
  free(x);
  free(pp);
  ampfit_blha_finish();
  return 0;
}
