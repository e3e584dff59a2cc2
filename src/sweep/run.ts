// `ampfit sweep <sweep.json>`: expand, write the results directory, and hand
// the jobs that still need work to the executor. Done jobs are skipped, jobs
// queued or running elsewhere are left alone, failed and interrupted ones run
// again (resuming their checkpoints).

import { existsSync, readFileSync, rmSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { writeJsonAtomic } from '../io/atomic.js';
import { AmpfitError, ConfigError } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import { expandSweep, type SweepJob } from './expand.js';
import { runLocal, type LocalRunResult } from './local.js';
import { jobStatuses, processAlive, ResultsDir, type JobState } from './results.js';
import { activeSlurmTasks, submitSlurm, type SlurmSubmission } from './slurm.js';
import { chooseExecutor, readSweepFile, type Executor } from './spec.js';

export interface SweepRunOptions {
  readonly file: string;
  /** --executor: overrides the sweep file's. */
  readonly executor?: string;
  /** --concurrency (local). */
  readonly concurrency?: number;
  readonly dryRun?: boolean;
  readonly log: Logger;
  readonly print: (text: string) => void;
  readonly signal?: AbortSignal;
}

export interface SweepRunResult {
  readonly results: ResultsDir;
  readonly jobs: readonly SweepJob[];
  /** The jobs handed to the executor, by the state they were in. */
  readonly submitted: ReadonlyArray<{ readonly id: string; readonly was: JobState }>;
  readonly alreadyDone: readonly string[];
  /** Queued or running from an earlier run: left alone. */
  readonly inProgress: readonly string[];
  readonly local: LocalRunResult | null;
  readonly slurm: readonly SlurmSubmission[];
}

export async function runSweep(opts: SweepRunOptions): Promise<SweepRunResult> {
  const spec = readSweepFile(opts.file);
  let executor: Executor = chooseExecutor(spec, opts.executor);
  if (opts.concurrency !== undefined) {
    if (executor.type !== 'local') throw new ConfigError('--concurrency is for the local executor (Slurm: "max_parallel" in the sweep file)');
    executor = { ...executor, concurrency: opts.concurrency };
  }
  const jobs = expandSweep(spec);
  const results = new ResultsDir(spec.results);
  if (opts.dryRun !== true) results.writeSweep(spec.name, spec.source, jobs);
  const statuses = jobStatuses(results, executor.type === 'slurm' ? activeSlurmTasks : () => null, jobs);
  const submitted = statuses.filter((s) => s.state === 'pending' || s.state === 'failed' || s.state === 'interrupted').map((s) => ({ id: s.job.id, was: s.state }));
  const alreadyDone = statuses.filter((s) => s.state === 'done').map((s) => s.job.id);
  const inProgress = statuses.filter((s) => s.state === 'queued' || s.state === 'running').map((s) => s.job.id);
  const count = (state: JobState): number => submitted.filter((s) => s.was === state).length;
  opts.log.info(
    `sweep '${spec.name}': ${jobs.length} jobs in ${spec.results}; ${alreadyDone.length} done, ${inProgress.length} queued or running, ` +
      `${submitted.length} to run (${count('pending')} new, ${count('failed')} failed, ${count('interrupted')} interrupted)`,
  );
  const result = { results, jobs, submitted, alreadyDone, inProgress };
  if (submitted.length === 0) return { ...result, local: null, slurm: [] };
  const byId = new Map(jobs.map((j) => [j.id, j]));
  if (executor.type === 'slurm') {
    const slurm = submitSlurm({ sweepName: spec.name, results, executor, jobs: submitted.map((s) => s.id), dryRun: opts.dryRun === true, log: opts.log, print: opts.print });
    return { ...result, local: null, slurm };
  }
  if (opts.dryRun === true) {
    opts.print(submitted.map((s) => `${s.id}  ${(byId.get(s.id) as SweepJob).name}  (${s.was})  ampfit train --config ${results.config(s.id)} --out ${results.model(s.id)}`).join('\n') + '\n');
    return { ...result, local: null, slurm: [] };
  }
  const release = lockLocalRun(results);
  try {
    const local = await runLocal({ results, jobs: submitted.map((s) => byId.get(s.id) as SweepJob), executor, log: opts.log, signal: opts.signal });
    return { ...result, local, slurm: [] };
  } finally {
    release();
  }
}

/**
 * Two local runs of one sweep would both start its pending jobs into the
 * same directories; the second is refused while the first's process lives.
 */
function lockLocalRun(results: ResultsDir): () => void {
  const file = join(results.root, 'local.lock');
  if (existsSync(file)) {
    const held = JSON.parse(readFileSync(file, 'utf8')) as { pid: number; host: string };
    if (held.host === hostname() && held.pid !== process.pid && processAlive(held.pid)) {
      throw new AmpfitError(`another 'ampfit sweep' (pid ${held.pid}) is running the jobs of ${results.root}; wait for it, or stop it (Ctrl-C) and run again`);
    }
  }
  writeJsonAtomic(file, { pid: process.pid, host: hostname() });
  return () => rmSync(file, { force: true });
}

