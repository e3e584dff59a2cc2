// The Slurm executor: one `sbatch --array=0-(n-1)` submission whose task i
// runs `ampfit sweep task <results> --list <list> --index i`, which trains the
// job on line i+1 of the list (runJob: fresh, --resume or --force as the
// model directory asks). Everything goes through the results directory, which
// must be on a filesystem the compute nodes share.

import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { writeFileAtomic, writeJsonAtomic } from '../io/atomic.js';
import { AmpfitError } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import type { ResultsDir } from './results.js';
import { AMPFIT_BIN } from './runJob.js';
import type { SlurmExecutor } from './spec.js';

/** Slurm's MaxArraySize default: task indices 0..1000. */
export const DEFAULT_MAX_ARRAY_SIZE = 1001;

export interface SlurmSubmission {
  /** slurm/<stamp>: the script is <stamp>.sbatch, the job list <stamp>.jobs. */
  readonly stamp: string;
  readonly script: string;
  readonly list: string;
  readonly jobs: readonly string[];
  /** Null on --dry-run. */
  readonly arrayJobId: string | null;
}

export interface ScriptInput {
  readonly sweepName: string;
  readonly results: ResultsDir;
  readonly executor: SlurmExecutor;
  readonly stamp: string;
  readonly count: number;
  readonly node?: string;
}

/** The batch script of one submission of `count` tasks. */
export function batchScript(input: ScriptInput): string {
  const { executor: e, results, stamp, count } = input;
  const list = join(results.slurmDir, `${stamp}.jobs`);
  const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  const lines = [
    '#!/bin/bash',
    `#SBATCH --job-name=ampfit-${input.sweepName}`,
    `#SBATCH --array=0-${count - 1}${e.max_parallel === undefined ? '' : `%${e.max_parallel}`}`,
    `#SBATCH --output=${join(results.slurmDir, `${stamp}_%a.out`)}`,
    '#SBATCH --nodes=1',
    '#SBATCH --ntasks=1',
    `#SBATCH --cpus-per-task=${e.cpus_per_task}`,
  ];
  if (e.partition !== undefined) lines.push(`#SBATCH --partition=${e.partition}`);
  if (e.account !== undefined) lines.push(`#SBATCH --account=${e.account}`);
  if (e.qos !== undefined) lines.push(`#SBATCH --qos=${e.qos}`);
  if (e.time !== undefined) lines.push(`#SBATCH --time=${e.time}`);
  if (e.mem !== undefined) lines.push(`#SBATCH --mem=${e.mem}`);
  for (const extra of e.sbatch) lines.push(`#SBATCH ${extra}`);
  lines.push(
    '',
    `# ampfit sweep '${input.sweepName}': task i trains the job on line i+1 of ${list}`,
    '# (in the results directory: configs/<id>.json, model in jobs/<id>/, log in logs/<id>.log).',
    'set -eo pipefail',
    ...e.setup,
    `exec ${quote(e.node ?? input.node ?? process.execPath)} ${quote(AMPFIT_BIN)} sweep task ${quote(results.root)} --list ${quote(list)} --index "$SLURM_ARRAY_TASK_ID"`,
    '',
  );
  return lines.join('\n');
}

/** A timestamp naming a submission's files, unique within the results directory. */
export function submissionStamp(): string {
  return `${new Date().toISOString().replace(/[-:]/g, '').replace(/\..*$/, '')}-${process.pid}`;
}

export interface SubmitOptions {
  readonly sweepName: string;
  readonly results: ResultsDir;
  readonly executor: SlurmExecutor;
  readonly jobs: readonly string[];
  readonly dryRun: boolean;
  readonly log: Logger;
  /** For --dry-run: where the script goes (stdout). */
  readonly print: (text: string) => void;
}

/**
 * Submits the jobs as one array (several when they exceed the cluster's
 * MaxArraySize), marking each job queued before sbatch runs so that a task
 * starting at once cannot have its "running" record overwritten.
 */
export function submitSlurm(opts: SubmitOptions): SlurmSubmission[] {
  const { results, executor } = opts;
  const limit = executor.max_array_size ?? (opts.dryRun ? DEFAULT_MAX_ARRAY_SIZE : maxArraySize());
  const out: SlurmSubmission[] = [];
  for (let start = 0; start < opts.jobs.length; start += limit) {
    const jobs = opts.jobs.slice(start, start + limit);
    const stamp = `${submissionStamp()}${opts.jobs.length > limit ? `-${start / limit}` : ''}`;
    const script = join(results.slurmDir, `${stamp}.sbatch`);
    const list = join(results.slurmDir, `${stamp}.jobs`);
    const text = batchScript({ sweepName: opts.sweepName, results, executor, stamp, count: jobs.length });
    if (opts.dryRun) {
      opts.print(`# ${script} (not submitted: --dry-run)\n${text}\n# ${list}:\n${jobs.join('\n')}\n`);
      out.push({ stamp, script, list, jobs, arrayJobId: null });
      continue;
    }
    writeFileAtomic(list, jobs.join('\n') + '\n');
    writeFileAtomic(script, text);
    for (const id of jobs) {
      const previous = results.readStatus(id);
      results.writeStatus(id, { state: 'queued', attempt: (previous?.attempt ?? 0) + 1, submission: stamp });
    }
    const r = spawnSync('sbatch', ['--parsable', script], { encoding: 'utf8' });
    if (r.error !== undefined || r.status !== 0) {
      const why = r.error !== undefined ? (r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'sbatch is not installed here (is this a Slurm login node?)' : r.error.message : r.stderr.trim();
      throw new AmpfitError(`sbatch ${script} failed: ${why}`);
    }
    const arrayJobId = r.stdout.trim().split(';')[0];
    if (!/^\d+$/.test(arrayJobId)) throw new AmpfitError(`sbatch ${script} printed '${r.stdout.trim()}', not a job id`);
    writeJsonAtomic(join(results.slurmDir, `${stamp}.json`), { array_job_id: arrayJobId, jobs, submitted: new Date().toISOString() });
    opts.log.info(`submitted Slurm array job ${arrayJobId}: ${jobs.length} task${jobs.length === 1 ? '' : 's'} (${script})`);
    out.push({ stamp, script, list, jobs, arrayJobId });
  }
  return out;
}

/** MaxArraySize from scontrol, or Slurm's default when it cannot be asked. */
function maxArraySize(): number {
  const r = spawnSync('scontrol', ['show', 'config'], { encoding: 'utf8' });
  const m = r.status === 0 ? /^MaxArraySize\s*=\s*(\d+)/m.exec(r.stdout) : null;
  return m === null ? DEFAULT_MAX_ARRAY_SIZE : Number(m[1]);
}

/** Array tasks ("12_3") that are queued or running, or null without squeue. */
export function activeSlurmTasks(): ReadonlySet<string> | null {
  const r = spawnSync('squeue', ['--noheader', '--array', '--me', '--format=%i'], { encoding: 'utf8' });
  if (r.error !== undefined || r.status !== 0) return null;
  return new Set(r.stdout.split('\n').map((l) => l.trim()).filter((l) => l !== ''));
}

/** The task's list file → its job id (line index+1). */
export function jobOfTask(listText: string, index: number, list: string): string {
  const ids = listText.split('\n').filter((l) => l.trim() !== '');
  if (!Number.isInteger(index) || index < 0 || index >= ids.length) throw new AmpfitError(`task index ${index} is outside ${list} (${ids.length} jobs)`);
  return ids[index].trim();
}
