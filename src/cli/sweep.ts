import { parseStrictNumber } from '../data/number.js';
import { readFileSync } from 'node:fs';
import { checkOutputPath, writeOutput } from '../io/outputPath.js';
import { resolve } from 'node:path';
import { DEFAULT_BINS, DEFAULT_SPEED } from '../report/collect.js';
import { formatLeaderboard, formatPointLeaderboard, formatStatus, leaderboard, parseMetric, pointLeaderboard } from '../sweep/collect.js';
import { jobStatuses, ResultsDir } from '../sweep/results.js';
import { runJob } from '../sweep/runJob.js';
import { runSweep } from '../sweep/run.js';
import { activeSlurmTasks, jobOfTask } from '../sweep/slurm.js';
import { AmpfitError } from '../util/errors.js';
import { createLogger } from '../util/log.js';

export interface SweepRunFlags {
  executor?: string;
  concurrency?: string;
  dryRun?: boolean;
  quiet?: boolean;
}

export async function sweepRunCommand(file: string, flags: SweepRunFlags): Promise<void> {
  const log = createLogger(process.stderr, flags.quiet === true);
  const concurrency = flags.concurrency === undefined ? undefined : parseStrictNumber(flags.concurrency);
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1)) throw new AmpfitError(`--concurrency must be a positive integer, got '${flags.concurrency}'`);
  const r = await runSweep({ file, executor: flags.executor, concurrency, dryRun: flags.dryRun, log, print: (t) => process.stdout.write(t) });
  if (r.local !== null) {
    const states = [...r.local.outcomes.values()].map((o) => o.state);
    const bad = states.filter((s) => s !== 'done').length + r.local.notStarted;
    process.stdout.write(`${states.filter((s) => s === 'done').length + r.alreadyDone.length} of ${r.jobs.length} jobs done; details: ampfit sweep status ${r.results.root}\n`);
    if (bad > 0) process.exitCode = 1;
  } else if (r.slurm.length > 0 && flags.dryRun !== true) {
    process.stdout.write(`submitted ${r.submitted.length} jobs as Slurm array job${r.slurm.length === 1 ? '' : 's'} ${r.slurm.map((s) => s.arrayJobId).join(', ')}; follow with: ampfit sweep status ${r.results.root}\n`);
  } else if (r.submitted.length === 0) {
    process.stdout.write(`nothing to run: ${r.alreadyDone.length} done, ${r.inProgress.length} queued or running\n`);
  }
}

export interface SweepStatusFlags {
  json?: boolean;
}

export function sweepStatusCommand(dir: string, flags: SweepStatusFlags): void {
  const results = new ResultsDir(resolve(dir));
  const statuses = jobStatuses(results, activeSlurmTasks);
  if (flags.json === true) {
    process.stdout.write(JSON.stringify(statuses.map((s) => ({ id: s.job.id, name: s.job.name, state: s.state, note: s.note, record: s.record })), null, 2) + '\n');
    return;
  }
  process.stdout.write(formatStatus(results, statuses) + '\n');
}

export interface SweepCollectFlags {
  metric: string;
  report?: string;
  json?: string;
  speedSeconds: string;
  force?: boolean;
}

export async function sweepCollectCommand(dir: string, flags: SweepCollectFlags): Promise<void> {
  const results = new ResultsDir(resolve(dir));
  const metric = parseMetric(flags.metric);
  const force = flags.force === true;
  const json = flags.json === undefined ? null : checkOutputPath(flags.json, { flag: '--json', force });
  if (flags.report !== undefined) checkOutputPath(flags.report, { flag: '--report', force });
  const statuses = jobStatuses(results, activeSlurmTasks);
  const rows = leaderboard(results, statuses, metric);
  const missing = statuses.length - rows.length;
  const split = rows.some((r) => r.split === 'validation') ? 'test split (validation where a run has none)' : 'test split';
  process.stdout.write(`ranked by ${metric.name} on the ${split}, ${metric.higherIsBetter ? 'highest' : 'lowest'} first\n`);
  process.stdout.write(`${formatLeaderboard(rows, metric)}\n${rows.length} of ${statuses.length} jobs done${missing > 0 ? ` (${missing} not: ampfit sweep status ${dir})` : ''}; ± is the binomial standard error, ≈ marks a row within two combined errors of the next\n`);
  const points = pointLeaderboard(rows, metric);
  if (points.some((p) => p.seeds > 1)) {
    process.stdout.write(`\nby grid point, over its seeds (error: std/√seeds):\n${formatPointLeaderboard(points, metric)}\n`);
  }
  if (json !== null) {
    writeOutput(json, JSON.stringify(rows.map((r) => ({
      rank: r.rank, id: r.id, name: r.name, point: r.point, [metric.name]: r.value, error: r.error, tied_with_next: r.tiedWithNext, split: r.split, model: r.modelDir, metrics: r.metrics,
    })), null, 2) + '\n');
  }
  if (flags.report !== undefined) {
    if (rows.length === 0) throw new AmpfitError(`--report: no job of ${dir} is done yet`);
    // In ranking order, so the page's table reads like the leaderboard.
    const { reportCommand } = await import('./report.js');
    await reportCommand(rows.map((r) => r.modelDir), {
      out: flags.report,
      bins: String(DEFAULT_BINS),
      heat: 'mean',
      data: [],
      batch: String(DEFAULT_SPEED.batch),
      speedSeconds: flags.speedSeconds,
      pngScale: '2',
      title: `sweep ${results.readSweep().name}`,
      force,
    });
  }
}

export interface SweepTaskFlags {
  list: string;
  index: string;
}

/** One Slurm array task: the job on line index+1 of the list. */
export async function sweepTaskCommand(dir: string, flags: SweepTaskFlags): Promise<void> {
  const results = new ResultsDir(resolve(dir));
  let text: string;
  try {
    text = readFileSync(flags.list, 'utf8');
  } catch (e) {
    throw new AmpfitError(`cannot read the job list ${flags.list}: ${(e as Error).message}`);
  }
  const index = Number(flags.index);
  const id = jobOfTask(text, index, flags.list);
  const env = process.env;
  const cpus = Number(env.SLURM_CPUS_PER_TASK);
  const arrayJob = env.SLURM_ARRAY_JOB_ID ?? env.SLURM_JOB_ID;
  // scancel and the time limit send SIGTERM to every process of the task; the
  // training saves its checkpoint, and this process stays to record that.
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const log = createLogger(process.stderr);
  log.info(`task ${index}: job ${id} (${results.log(id)})`);
  try {
    const outcome = await runJob({
      results,
      id,
      threads: Number.isInteger(cpus) && cpus > 0 ? cpus : null,
      slurm: arrayJob === undefined ? undefined : { array_job_id: arrayJob, task_id: index },
      signal: stop.signal,
    });
    log.info(`job ${id}: ${outcome.state}${outcome.problem === null ? '' : ` (${outcome.problem})`}`);
    if (outcome.state !== 'done') process.exitCode = 1;
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}
