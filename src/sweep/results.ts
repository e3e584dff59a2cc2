// The results directory of a sweep, shared by the submitting machine and
// every compute node:
//
//   sweep.json          the sweep's name, source and jobs (id, name, params)
//   configs/<id>.json   each job's run config (ampfit train --config)
//   jobs/<id>/          each job's model directory (ampfit train --out)
//   logs/<id>.log       ampfit train's output, every attempt appended
//   status/<id>.json    the latest attempt: queued, running (host, pid, Slurm ids), done, failed, interrupted
//   slurm/<stamp>.*     each submission's batch script, job list and Slurm output
//
// A job's state is read from its status record and checked against the
// world: a "running" record whose process or Slurm task is gone was killed
// (interrupted); a "done" record needs its model file.

import { closeSync, existsSync, openSync, readFileSync, readSync, readdirSync, statSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { writeJsonAtomic } from '../io/atomic.js';
import { readModelFile } from '../io/modelFile.js';
import { MODEL_FILE, type ModelHeader, type ModelMetrics } from '../io/modelStore.js';
import { AmpfitError } from '../util/errors.js';
import type { SweepJob } from './expand.js';

export interface SweepRecord {
  readonly format: 'ampfit-sweep';
  readonly name: string;
  readonly source: string;
  readonly jobs: ReadonlyArray<Pick<SweepJob, 'id' | 'name' | 'function' | 'params'>>;
}

export interface SlurmIds {
  /** The array job's id and this task's index. */
  readonly array_job_id: string;
  readonly task_id: number;
}

export interface StatusRecord {
  readonly state: 'queued' | 'running' | 'done' | 'failed' | 'interrupted';
  readonly attempt: number;
  readonly updated: string;
  readonly host?: string;
  /** The ampfit train process. */
  readonly pid?: number;
  readonly started?: string;
  readonly ended?: string;
  readonly resumed?: boolean;
  readonly exit_code?: number | null;
  readonly signal?: string | null;
  readonly slurm?: SlurmIds;
  /** Queued: the submission's list file (slurm/<stamp>.jobs). */
  readonly submission?: string;
  readonly seconds?: number;
}

export type JobState = 'done' | 'running' | 'queued' | 'failed' | 'interrupted' | 'pending';

export interface JobStatus {
  readonly job: SweepRecord['jobs'][number];
  readonly state: JobState;
  readonly record: StatusRecord | null;
  /** Why the state differs from the record, e.g. "its Slurm task 12_3 is gone". */
  readonly note: string | null;
}

export class ResultsDir {
  constructor(readonly root: string) {}
  get sweepFile(): string {
    return join(this.root, 'sweep.json');
  }
  config(id: string): string {
    return join(this.root, 'configs', `${id}.json`);
  }
  model(id: string): string {
    return join(this.root, 'jobs', id);
  }
  log(id: string): string {
    return join(this.root, 'logs', `${id}.log`);
  }
  status(id: string): string {
    return join(this.root, 'status', `${id}.json`);
  }
  get slurmDir(): string {
    return join(this.root, 'slurm');
  }

  readSweep(): SweepRecord {
    if (!existsSync(this.sweepFile)) throw new AmpfitError(`${this.root} is not a sweep's results directory (no sweep.json; run 'ampfit sweep <sweep.json>' first)`);
    return JSON.parse(readFileSync(this.sweepFile, 'utf8')) as SweepRecord;
  }

  /** Writes sweep.json and every job's config; refuses a directory that holds another sweep. */
  writeSweep(name: string, source: string, jobs: readonly SweepJob[]): void {
    if (existsSync(this.sweepFile)) {
      const old = this.readSweep();
      if (old.name !== name) throw new AmpfitError(`${this.root} holds the results of sweep '${old.name}' (${old.source}); give sweep '${name}' its own "results" directory`);
    }
    for (const j of jobs) writeJsonAtomic(this.config(j.id), j.config);
    const record: SweepRecord = { format: 'ampfit-sweep', name, source, jobs: jobs.map(({ id, name: n, function: f, params }) => ({ id, name: n, function: f, params })) };
    writeJsonAtomic(this.sweepFile, record);
  }

  readStatus(id: string): StatusRecord | null {
    const f = this.status(id);
    if (!existsSync(f)) return null;
    try {
      return JSON.parse(readFileSync(f, 'utf8')) as StatusRecord;
    } catch {
      return null; // written atomically, so only a hand-edited file lands here; treated as never run
    }
  }

  writeStatus(id: string, record: Omit<StatusRecord, 'updated'>): void {
    writeJsonAtomic(this.status(id), { ...record, updated: new Date().toISOString() });
  }

  /** The last `lines` lines of a job's log (its end is what explains a failure). */
  logTail(id: string, lines = 12): string[] {
    const f = this.log(id);
    if (!existsSync(f)) return [];
    const size = statSync(f).size;
    const len = Math.min(size, 16384);
    const buf = Buffer.alloc(len);
    const fd = openSync(f, 'r');
    try {
      readSync(fd, buf, 0, len, size - len);
    } finally {
      closeSync(fd);
    }
    return buf.toString('utf8').split('\n').filter((l) => l.trim() !== '').slice(-lines);
  }

  /** The trained model's header, or null while there is none. */
  modelHeader(id: string): ModelHeader | null {
    const f = join(this.model(id), MODEL_FILE);
    if (!existsSync(f)) return null;
    return readModelFile<ModelHeader>(f).header;
  }

  metrics(id: string): ModelMetrics | null {
    const f = join(this.model(id), 'metrics.json');
    return existsSync(f) ? (JSON.parse(readFileSync(f, 'utf8')) as ModelMetrics) : null;
  }

  /** Whether the job's checkpoint holds training state to resume (not just the config written at the start). */
  hasCheckpointState(id: string): boolean {
    const dir = join(this.model(id), 'checkpoint');
    return existsSync(dir) && readdirSync(dir).some((f) => f !== 'config.json' && !f.startsWith('.'));
  }

  isEmptyModelDir(id: string): boolean {
    const dir = this.model(id);
    return !existsSync(dir) || readdirSync(dir).length === 0;
  }
}

/** A model that stopped on a signal says so; it is resumed, not counted as done. */
export function finishedTraining(header: ModelHeader): boolean {
  return !header.training.stopped_because.startsWith('interrupted');
}

/**
 * Which Slurm tasks are still queued or running ("12_3"), or null when that
 * cannot be known (no squeue here). Supplied by the Slurm module; a stub in tests.
 */
export type ActiveSlurmTasks = () => ReadonlySet<string> | null;

/** The state of each job (default: the jobs in sweep.json). */
export function jobStatuses(results: ResultsDir, activeSlurm: ActiveSlurmTasks, jobs: SweepRecord['jobs'] = results.readSweep().jobs): JobStatus[] {
  let active: ReadonlySet<string> | null | undefined;
  const slurmActive = (): ReadonlySet<string> | null => {
    if (active === undefined) active = activeSlurm();
    return active;
  };
  return jobs.map((job) => judge(results, job, slurmActive));
}

function judge(results: ResultsDir, job: SweepRecord['jobs'][number], slurmActive: () => ReadonlySet<string> | null): JobStatus {
  const record = results.readStatus(job.id);
  const status = (state: JobState, note: string | null = null): JobStatus => ({ job, state, record, note });
  if (record === null) {
    // Trained outside the sweep (or its record was lost): the model decides.
    const header = results.modelHeader(job.id);
    if (header !== null && finishedTraining(header)) return status('done', 'no status record; the model is complete');
    return status(header === null && results.isEmptyModelDir(job.id) ? 'pending' : 'interrupted');
  }
  switch (record.state) {
    case 'done':
      return existsSync(join(results.model(job.id), MODEL_FILE)) ? status('done') : status('failed', `its model ${join(results.model(job.id), MODEL_FILE)} is missing`);
    case 'failed':
    case 'interrupted':
      return status(record.state);
    case 'queued': {
      const task = queuedTask(results, job.id, record);
      if (task === null) return status('pending', 'the submission did not reach Slurm');
      const live = slurmActive();
      if (live === null || live.has(task)) return status('queued', `Slurm task ${task}`);
      // The task may have started and ended between reading the record and asking squeue.
      const again = results.readStatus(job.id);
      if (again !== null && again.state !== 'queued') return judge(results, job, slurmActive);
      return status('pending', `its Slurm task ${task} is gone without starting`);
    }
    case 'running': {
      const gone = processGone(record, slurmActive);
      if (gone === null) return status('running');
      const again = results.readStatus(job.id);
      if (again !== null && again.state !== 'running') return judge(results, job, slurmActive);
      // A local job outlives a supervisor killed with SIGKILL and may have finished on its own.
      const header = results.modelHeader(job.id);
      if (header !== null && finishedTraining(header)) return status('done', `${gone}, but its model is complete`);
      return status('interrupted', gone);
    }
  }
}

/** Why a running record's process is gone, or null if it is alive (or cannot be checked from here). */
function processGone(record: StatusRecord, slurmActive: () => ReadonlySet<string> | null): string | null {
  if (record.slurm !== undefined) {
    const live = slurmActive();
    const task = `${record.slurm.array_job_id}_${record.slurm.task_id}`;
    return live === null || live.has(task) ? null : `its Slurm task ${task} ended without a result`;
  }
  if (record.host !== hostname() || record.pid === undefined) return null;
  return processAlive(record.pid) ? null : `its process ${record.pid} on ${record.host} is gone`;
}

/** Whether a process of this host lives (EPERM: it does, as another user's). */
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** "12_3" for a queued job: the array job id of its submission and its line in the job list. */
function queuedTask(results: ResultsDir, id: string, record: StatusRecord): string | null {
  if (record.submission === undefined) return null;
  const sub = join(results.slurmDir, `${record.submission}.json`);
  if (!existsSync(sub)) return null;
  const info = JSON.parse(readFileSync(sub, 'utf8')) as { array_job_id: string; jobs: string[] };
  const index = info.jobs.indexOf(id);
  return index < 0 ? null : `${info.array_job_id}_${index}`;
}
