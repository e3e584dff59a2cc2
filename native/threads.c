/* The pool. Workers busy-wait for new work because on the target VMs a
 * sleeping thread takes milliseconds to wake, while one kernel call lasts tens
 * of microseconds. After AF_SPIN_NS without work they fall back to a condition
 * variable, so an idle process does not keep a core busy.
 *
 * Work hand-off is a single atomic "ticket": generation << 16 | next chunk.
 * The caller publishes the job and a new generation; every participant claims
 * chunks by CAS on the ticket. A CAS that succeeds proves the job it read is
 * still the current one (the caller only replaces a job after all its chunks
 * were claimed and finished), so late or slow workers never run stale work.
 *
 * When the machine is oversubscribed (another busy process, or two ampfit
 * runs on two cores), spinning workers only take CPU from everyone, and a
 * worker descheduled while it holds a chunk makes the caller wait a whole
 * scheduler timeslice. The caller notices either (repeated stalls, or awake
 * workers that keep missing jobs), runs every chunk itself for a while (10 ms,
 * doubling up to 160 ms while it persists) and parks the workers. The chunks stay the same, so the results keep the
 * same bits. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "threads.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define AF_SPIN_NS (100ull * 1000ull * 1000ull)
/* A wait for workers longer than this, and longer than the caller's own
 * share of the job, counts as a stall. A worker preempted by another busy
 * process is off its core for at least a scheduler timeslice (ms); shorter
 * hiccups (V8's background GC threads, a vCPU descheduled for a moment) are
 * normal and must not count. AF_STALLS stalls within AF_STALL_WINDOW_NS, or
 * awake workers missing every job for AF_MISS_NS, mean the cores are busy
 * with something else. */
#define AF_STALL_NS (500ull * 1000ull)
#define AF_STALLS 3
#define AF_STALL_WINDOW_NS (50ull * 1000ull * 1000ull)
#define AF_MISS_NS (2ull * 1000ull * 1000ull)
#define AF_MIN_MISSED 8
/* Solo periods start short and double while the contention persists. */
#define AF_SOLO_MIN_NS (10ull * 1000ull * 1000ull)
#define AF_SOLO_MAX_NS (160ull * 1000ull * 1000ull)

static pthread_mutex_t run_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_mutex_t sleep_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t sleep_cv = PTHREAD_COND_INITIALIZER;

static _Atomic uint64_t ticket;
static _Atomic int done_count;
static _Atomic int sleepers;
static _Atomic int quitting;
static _Atomic int parked; /* caller runs solo: workers should sleep now */
static _Atomic int awake;  /* workers spinning (not asleep) */
static _Atomic(af_task) job_fn;
static _Atomic(void *) job_ctx;
static _Atomic int job_n;

/* Threads to use, 0 until first use. Written under run_mu, read without it
 * (every kernel call asks, and must not queue behind a running job). */
static _Atomic int configured;

/* Guarded by run_mu. */
static int started;     /* workers exist for the configured count */
static int nworkers;
static uint64_t generation;
static uint64_t solo_until;
/* solo_until for readers outside run_mu (af_threads_solo). */
static _Atomic uint64_t solo_until_hint;
static int missed; /* consecutive jobs that awake workers did not take part in */
static uint64_t missed_since;
static uint64_t stall_at[AF_STALLS]; /* times of the last stalls, a ring */
static int stall_next;
static uint64_t solo_len = AF_SOLO_MIN_NS;
static pthread_t workers[AF_MAX_THREADS];

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static int online_cpus(void) {
#if defined(__linux__)
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
#endif
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (int)n : 1;
}

/* Returns how many chunks this thread ran. */
static int claim_and_run(uint64_t t) {
  const uint64_t gen = t >> 16;
  int ran = 0;
  for (;;) {
    af_task fn = atomic_load_explicit(&job_fn, memory_order_relaxed);
    void *ctx = atomic_load_explicit(&job_ctx, memory_order_relaxed);
    int n = atomic_load_explicit(&job_n, memory_order_relaxed);
    int idx = (int)(t & 0xffffu);
    if (idx >= n) return ran;
    if (atomic_compare_exchange_weak_explicit(&ticket, &t, t + 1, memory_order_acq_rel,
                                              memory_order_acquire)) {
      fn(ctx, idx, n);
      ran++;
      atomic_fetch_add_explicit(&done_count, 1, memory_order_release);
      t = atomic_load_explicit(&ticket, memory_order_acquire);
    }
    if ((t >> 16) != gen) return ran;
  }
}

static void *worker_main(void *arg) {
  uint64_t seen = (uint64_t)(uintptr_t)arg;
  uint64_t idle_since = now_ns();
  atomic_fetch_add(&awake, 1);
  unsigned spins = 0;
  for (;;) {
    if (atomic_load_explicit(&quitting, memory_order_relaxed)) break;
    uint64_t t = atomic_load_explicit(&ticket, memory_order_acquire);
    if ((t >> 16) != seen) {
      seen = t >> 16;
      claim_and_run(t);
      idle_since = now_ns();
      spins = 0;
      continue;
    }
    cpu_relax();
    if ((++spins & 1023u) == 0 &&
        (atomic_load_explicit(&parked, memory_order_relaxed) || now_ns() - idle_since > AF_SPIN_NS)) {
      atomic_fetch_sub(&awake, 1);
      pthread_mutex_lock(&sleep_mu);
      /* seq_cst increment before re-reading the ticket pairs with the
       * caller's seq_cst ticket store before reading sleepers: one of the two
       * sees the other, so a new job is never missed. */
      atomic_fetch_add(&sleepers, 1);
      while ((atomic_load(&ticket) >> 16) == seen && !atomic_load(&quitting))
        pthread_cond_wait(&sleep_cv, &sleep_mu);
      atomic_fetch_sub(&sleepers, 1);
      pthread_mutex_unlock(&sleep_mu);
      atomic_fetch_add(&awake, 1);
      idle_since = now_ns();
    }
  }
  atomic_fetch_sub(&awake, 1);
  return 0;
}

static void stop_workers_locked(void) {
  if (nworkers == 0) {
    started = 0;
    return;
  }
  atomic_store(&quitting, 1);
  pthread_mutex_lock(&sleep_mu);
  pthread_cond_broadcast(&sleep_cv);
  pthread_mutex_unlock(&sleep_mu);
  for (int i = 0; i < nworkers; i++) pthread_join(workers[i], 0);
  atomic_store(&quitting, 0);
  nworkers = 0;
  started = 0;
}

static void ensure_config_locked(void) {
  if (atomic_load(&configured) == 0) {
    int n = online_cpus();
    atomic_store(&configured, n > AF_MAX_THREADS ? AF_MAX_THREADS : n);
  }
}

static void start_workers_locked(void) {
  ensure_config_locked();
  if (started) return;
  started = 1;
  /* Workers must not take the process's signals (Node handles those on its
   * own threads), so they start with everything blocked. */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  const int want = atomic_load(&configured);
  for (int i = 0; i < want - 1; i++) {
    if (pthread_create(&workers[nworkers], 0, worker_main, (void *)(uintptr_t)generation) != 0)
      break; /* fewer workers: the caller runs the leftover chunks */
    nworkers++;
  }
  pthread_sigmask(SIG_SETMASK, &old, 0);
}

int af_threads_solo(void) {
  return now_ns() < atomic_load_explicit(&solo_until_hint, memory_order_relaxed);
}

int af_threads_get(void) {
  int n = atomic_load(&configured);
  if (n == 0) {
    pthread_mutex_lock(&run_mu);
    ensure_config_locked();
    n = atomic_load(&configured);
    pthread_mutex_unlock(&run_mu);
  }
  return n;
}

int af_threads_set(int n) {
  if (n < 1 || n > AF_MAX_THREADS) return -1;
  pthread_mutex_lock(&run_mu);
  if (n != atomic_load(&configured)) {
    stop_workers_locked();
    atomic_store(&configured, n);
  }
  pthread_mutex_unlock(&run_mu);
  return 0;
}

/* Run every chunk on the caller for a while and let the workers sleep. A new
 * trigger soon after the last solo period doubles the next one. */
static void go_solo_locked(uint64_t now) {
  if (solo_until != 0 && now < solo_until + 2 * solo_len)
    solo_len = solo_len * 2 > AF_SOLO_MAX_NS ? AF_SOLO_MAX_NS : solo_len * 2;
  else
    solo_len = AF_SOLO_MIN_NS;
  solo_until = now + solo_len;
  atomic_store_explicit(&solo_until_hint, solo_until, memory_order_relaxed);
  missed = 0;
  atomic_store_explicit(&parked, 1, memory_order_relaxed);
}

void af_threads_run(af_task fn, void *ctx, int nchunks) {
  if (nchunks <= 0) return;
  if (nchunks == 1) {
    fn(ctx, 0, 1);
    return;
  }
  /* One job at a time: concurrent callers (e.g. two worker_threads) queue
   * here instead of sharing the ticket. */
  pthread_mutex_lock(&run_mu);
  start_workers_locked();
  uint64_t t0 = now_ns();
  if (nworkers == 0 || t0 < solo_until) {
    for (int c = 0; c < nchunks; c++) fn(ctx, c, nchunks);
    pthread_mutex_unlock(&run_mu);
    return;
  }
  atomic_store_explicit(&parked, 0, memory_order_relaxed);
  atomic_store_explicit(&job_fn, fn, memory_order_relaxed);
  atomic_store_explicit(&job_ctx, ctx, memory_order_relaxed);
  atomic_store_explicit(&job_n, nchunks, memory_order_relaxed);
  atomic_store_explicit(&done_count, 0, memory_order_relaxed);
  generation++;
  uint64_t t = generation << 16;
  atomic_store(&ticket, t);
  if (atomic_load(&sleepers) > 0) {
    pthread_mutex_lock(&sleep_mu);
    pthread_cond_broadcast(&sleep_cv);
    pthread_mutex_unlock(&sleep_mu);
  }
  int awake_at_start = atomic_load_explicit(&awake, memory_order_relaxed);
  int ran = claim_and_run(t);
  /* A spinning worker claims its chunk within a fraction of a microsecond;
   * one that is awake yet keeps missing jobs is not getting a core. */
  if (awake_at_start > 0 && ran == nchunks) {
    if (missed++ == 0) missed_since = t0;
    if (missed >= AF_MIN_MISSED && now_ns() - missed_since > AF_MISS_NS) go_solo_locked(now_ns());
  } else {
    missed = 0;
  }
  if (atomic_load_explicit(&done_count, memory_order_acquire) < nchunks) {
    uint64_t t1 = now_ns();
    while (atomic_load_explicit(&done_count, memory_order_acquire) < nchunks) cpu_relax();
    uint64_t waited = now_ns() - t1;
    /* Two threads took longer than one would have. If that keeps happening,
     * the cores are busy with something else: go solo and let the workers
     * sleep instead of spinning on a core that is needed elsewhere. */
    if (waited > AF_STALL_NS && waited > t1 - t0) {
      uint64_t now = t1 + waited;
      uint64_t oldest = stall_at[stall_next]; /* AF_STALLS stalls ago, or 0 */
      stall_at[stall_next] = now;
      stall_next = (stall_next + 1) % AF_STALLS;
      if (oldest != 0 && now - oldest < AF_STALL_WINDOW_NS) go_solo_locked(now);
    }
  }
  pthread_mutex_unlock(&run_mu);
}
