// One job of a sweep, wherever it runs (a slot of the local pool, a Slurm array
// task): `ampfit train` in a child process writing into jobs/<id>/, its
// output appended to logs/<id>.log, and a status record before and after.
// Whether to start fresh, --resume or --force is decided here from what the
// model directory holds, so a job killed at any point continues from its
// last checkpoint when it runs again.

import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { finishedTraining, type ResultsDir, type SlurmIds } from './results.js';

/** bin/ampfit.js of this installation (this file is dist/src/sweep/runJob.js). */
export const AMPFIT_BIN = fileURLToPath(new URL('../../../bin/ampfit.js', import.meta.url));

export interface RunJobOptions {
  readonly results: ResultsDir;
  readonly id: string;
  /** Kernel threads for the training (--set threads=N); null keeps the config's. */
  readonly threads: number | null;
  readonly slurm?: SlurmIds;
  /** Aborting sends the training SIGTERM once: it stops at the next epoch with its checkpoint kept. */
  readonly signal?: AbortSignal;
}

export interface JobOutcome {
  readonly state: 'done' | 'failed' | 'interrupted';
  readonly resumed: boolean;
  readonly seconds: number;
  /** "exit code 2", "killed by SIGKILL", or null when done. */
  readonly problem: string | null;
}

export type StartMode = 'done' | 'fresh' | 'resume' | 'force';

/** What the model directory asks for: nothing (finished), a fresh start, --resume from the checkpoint, or --force over leftovers. */
export function startMode(results: ResultsDir, id: string): StartMode {
  const header = results.modelHeader(id);
  if (header !== null && finishedTraining(header)) return 'done';
  if (results.hasCheckpointState(id)) return 'resume';
  return results.isEmptyModelDir(id) ? 'fresh' : 'force';
}

export async function runJob(opts: RunJobOptions): Promise<JobOutcome> {
  const { results, id } = opts;
  const previous = results.readStatus(id);
  // A queued record was counted when it was submitted.
  const attempt = previous?.state === 'queued' ? previous.attempt : (previous?.attempt ?? 0) + 1;
  const base = { attempt, host: hostname(), ...(opts.slurm === undefined ? {} : { slurm: opts.slurm }) };
  const mode = startMode(results, id);
  if (mode === 'done') {
    results.writeStatus(id, { ...base, state: 'done', seconds: 0 });
    return { state: 'done', resumed: false, seconds: 0, problem: null };
  }
  const args = [AMPFIT_BIN, 'train', '--config', results.config(id), '--out', results.model(id)];
  if (mode === 'resume') args.push('--resume');
  if (mode === 'force') args.push('--force');
  if (opts.threads !== null) args.push('--set', `threads=${opts.threads}`);

  mkdirSync(dirname(results.log(id)), { recursive: true });
  const log = openSync(results.log(id), 'a');
  const started = new Date();
  writeSync(log, `\n=== attempt ${attempt} on ${hostname()} at ${started.toISOString()}${opts.slurm === undefined ? '' : ` (Slurm task ${opts.slurm.array_job_id}_${opts.slurm.task_id})`}: ampfit ${args.slice(1).join(' ')}\n`);
  let stopped = false;
  let exit: { code: number | null; signal: NodeJS.Signals | null };
  try {
    // Its own process group: a terminal's Ctrl-C reaches the supervisor only,
    // which passes on exactly one SIGTERM (a second one makes training quit
    // without its final save).
    const child = spawn(process.execPath, args, { stdio: ['ignore', log, log], detached: true, env: { ...process.env, CI: 'true' } });
    const spawned = new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', reject);
    });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    await spawned;
    results.writeStatus(id, { ...base, state: 'running', pid: child.pid, started: started.toISOString(), resumed: mode === 'resume' });
    const stop = (): void => {
      if (stopped) return;
      stopped = true;
      child.kill('SIGTERM');
    };
    if (opts.signal?.aborted === true) stop();
    opts.signal?.addEventListener('abort', stop, { once: true });
    exit = await exited;
    opts.signal?.removeEventListener('abort', stop);
  } finally {
    closeSync(log);
  }
  const seconds = (Date.now() - started.getTime()) / 1000;
  const header = exit.code === 0 ? results.modelHeader(id) : null;
  let state: JobOutcome['state'];
  let problem: string | null = null;
  if (header !== null && finishedTraining(header)) {
    state = 'done';
  } else if (stopped || exit.code === 0 || exit.code === 130 || exit.code === 143 || exit.signal === 'SIGTERM' || exit.signal === 'SIGINT') {
    // Exit 130/143 (or 0 from an older ampfit) without a finished model: the
    // training caught a signal (Slurm's scancel or time limit) and saved what it had.
    state = 'interrupted';
    problem = exit.signal !== null ? `stopped by ${exit.signal}` : `stopped by a signal (exit code ${exit.code})`;
  } else {
    state = 'failed';
    problem = exit.signal !== null ? `killed by ${exit.signal}` : `exit code ${exit.code}`;
  }
  results.writeStatus(id, {
    ...base,
    state,
    started: started.toISOString(),
    ended: new Date().toISOString(),
    resumed: mode === 'resume',
    exit_code: exit.code,
    signal: exit.signal,
    seconds,
  });
  return { state, resumed: mode === 'resume', seconds, problem };
}

