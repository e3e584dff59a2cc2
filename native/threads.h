/* Persistent worker pool for splitting one kernel call into a fixed number of
 * chunks. Chunk c always computes the same rows whichever thread runs it, so
 * results depend only on the chunk count, never on scheduling. */
#ifndef AMPFIT_THREADS_H
#define AMPFIT_THREADS_H

typedef void (*af_task)(void *ctx, int chunk, int nchunks);

/* Threads kernels split over (the calling thread included). */
int af_threads_get(void);
/* 1 while the pool runs every chunk on the caller (the cores are busy with
 * other work, see threads.c): a hint for work that only pays when split, read
 * without a lock. Results must not depend on it. */
int af_threads_solo(void);
/* 1..AF_MAX_THREADS; returns 0, or -1 if n is out of range. */
int af_threads_set(int n);
/* Runs fn(ctx, c, nchunks) for every c < nchunks and returns when all are done.
 * The caller runs chunks too, and takes over any chunk a worker has not
 * claimed yet, so a worker that is asleep costs no latency. */
void af_threads_run(af_task fn, void *ctx, int nchunks);

#define AF_MAX_THREADS 256

#endif
