// The local executor: a pool of at most `concurrency` `ampfit train`
// processes on this machine. Ctrl-C (or SIGTERM) stops launching, passes one
// SIGTERM to each running training — which saves its checkpoint and best
// weights — and waits for them, so the next run resumes every one.

import { availableParallelism } from 'node:os';
import { formatDuration, type Logger } from '../util/log.js';
import { describeOutcome } from './collect.js';
import type { SweepJob } from './expand.js';
import type { ResultsDir } from './results.js';
import { runJob, type JobOutcome } from './runJob.js';
import type { LocalExecutor } from './spec.js';

export interface LocalRunOptions {
  readonly results: ResultsDir;
  readonly jobs: ReadonlyArray<Pick<SweepJob, 'id' | 'name'>>;
  readonly executor: LocalExecutor;
  readonly log: Logger;
  /** For tests and embedding; the CLI stops on SIGINT/SIGTERM. */
  readonly signal?: AbortSignal;
}

export interface LocalRunResult {
  readonly outcomes: ReadonlyMap<string, JobOutcome>;
  readonly concurrency: number;
  readonly threadsPerJob: number;
  /** Jobs never started because the run was stopped. */
  readonly notStarted: number;
}

export function localPlan(executor: LocalExecutor, jobs: number): { concurrency: number; threadsPerJob: number } {
  const cores = availableParallelism();
  const concurrency = Math.max(1, Math.min(executor.concurrency ?? cores, Math.max(jobs, 1)));
  return { concurrency, threadsPerJob: executor.threads_per_job ?? Math.max(1, Math.floor(cores / concurrency)) };
}

export async function runLocal(opts: LocalRunOptions): Promise<LocalRunResult> {
  const { results, jobs, log } = opts;
  const { concurrency, threadsPerJob } = localPlan(opts.executor, jobs.length);
  log.info(`local pool: ${jobs.length} job${jobs.length === 1 ? '' : 's'}, ${concurrency} at once, ${threadsPerJob} thread${threadsPerJob === 1 ? '' : 's'} each`);
  const stop = new AbortController();
  opts.signal?.addEventListener('abort', () => stop.abort(), { once: true });
  const onSignal = (): void => {
    if (!stop.signal.aborted) log.warn('stopping: the running jobs save their checkpoints; run the sweep again to resume them');
    stop.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const outcomes = new Map<string, JobOutcome>();
  let next = 0;
  let finished = 0;
  const worker = async (): Promise<void> => {
    while (next < jobs.length && !stop.signal.aborted) {
      const job = jobs[next++];
      log.info(`start ${job.id} ${job.name}`);
      const outcome = await runJob({ results, id: job.id, threads: threadsPerJob, signal: stop.signal });
      outcomes.set(job.id, outcome);
      finished++;
      log.info(`[${finished}/${jobs.length}] ${job.id} ${job.name}: ${describeOutcome(results, job.id, outcome)} (${formatDuration(outcome.seconds)})`);
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return { outcomes, concurrency, threadsPerJob, notStarted: jobs.length - outcomes.size };
}
