// The sweep file: what to train (a base config, or the trained functions of a
// set), the grid of config keys and seeds to cross it with, where the results
// go and which executor runs the jobs.
//
//   {
//     "name": "width-scan",
//     "base": "zz2d.json",                       or an inline config, or "set": "set.json"
//     "grid": { "width": [16, 32], "initial_lr": [1e-3, 3e-3] },
//     "seeds": [1, 2, 3],
//     "results": "/shared/sweeps/width-scan",
//     "executor": { "type": "slurm", "partition": "maxgpu", "time": "02:00:00", "cpus_per_task": 4 }
//   }
//
// Paths are relative to the sweep file, so a sweep works from any directory.

import { readJsonFile } from '../config/json.js';
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../util/errors.js';

const NAME = /^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/;
const CONFIG_KEY = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
/** Slurm's --time forms: minutes, m:s, h:m:s, d-h, d-h:m, d-h:m:s. */
const SLURM_TIME = /^(\d+-\d+(:\d+){0,2}|\d+(:\d+){0,2}|UNLIMITED|INFINITE)$/;
const SLURM_MEM = /^\d+[KMGT]?$/;

const LocalSchema = z.strictObject({
  type: z.literal('local'),
  /** Jobs at once; default: the machine's cores. */
  concurrency: z.number().int().min(1).optional(),
  /** Kernel threads of each job; default: cores / concurrency. */
  threads_per_job: z.number().int().min(1).optional(),
});

const SlurmSchema = z.strictObject({
  type: z.literal('slurm'),
  partition: z.string().min(1).optional(),
  account: z.string().min(1).optional(),
  qos: z.string().min(1).optional(),
  time: z.string().regex(SLURM_TIME, 'a Slurm time limit: minutes, h:m:s, d-h:m:s or UNLIMITED').optional(),
  cpus_per_task: z.number().int().min(1).default(1),
  mem: z.string().regex(SLURM_MEM, 'memory per node as Slurm writes it, e.g. 4000 (MB) or 8G').optional(),
  /** The array's %N throttle: at most this many tasks at once. */
  max_parallel: z.number().int().min(1).optional(),
  /** Largest array task index + 1 the cluster accepts (MaxArraySize); default: asked from scontrol, else 1001. */
  max_array_size: z.number().int().min(1).optional(),
  /** Further sbatch options, one per entry, e.g. "--constraint=EPYC" (written as #SBATCH lines). */
  sbatch: z.array(z.string().regex(/^-/, 'an sbatch option starting with -')).default([]),
  /** Shell lines each task runs before training, e.g. "module load nodejs/20". */
  setup: z.array(z.string()).default([]),
  /** The node executable on the compute nodes; default: the one running this command. */
  node: z.string().min(1).optional(),
});

export const SweepSchema = z.strictObject({
  name: z.string().regex(NAME, 'letters, digits and _ . + - (it names Slurm jobs)').optional(),
  /** The config every job starts from: a file (relative to the sweep file) or inline. */
  base: z.union([z.string().min(1), z.record(z.string(), z.unknown())]).optional(),
  /** A function-set manifest: each of its trained functions is a base. */
  set: z.string().min(1).optional(),
  /** Only these functions of the set. */
  functions: z.array(z.string().min(1)).min(1).optional(),
  /** Config keys (dotted, as for --set) and the values to try; jobs are every combination. */
  grid: z.record(z.string(), z.array(z.unknown()).min(1, 'at least one value')).default({}),
  seeds: z.array(z.number().int().min(0)).min(1).optional(),
  /** The results directory (on a shared filesystem for Slurm). */
  results: z.string().min(1),
  executor: z.union([z.enum(['local', 'slurm']), LocalSchema, SlurmSchema]).default('local'),
});

export type LocalExecutor = z.output<typeof LocalSchema>;
export type SlurmExecutor = z.output<typeof SlurmSchema>;
export type Executor = LocalExecutor | SlurmExecutor;

export interface SweepSpec {
  readonly name: string;
  /** The sweep file, absolute. */
  readonly source: string;
  readonly base: { readonly kind: 'config'; readonly config: string | Record<string, unknown> } | { readonly kind: 'set'; readonly manifest: string; readonly functions: readonly string[] | null };
  readonly grid: ReadonlyArray<readonly [string, readonly unknown[]]>;
  readonly seeds: readonly number[] | null;
  /** Absolute. */
  readonly results: string;
  readonly executor: Executor;
}

export function readSweepFile(path: string): SweepSpec {
  return parseSweep(readJsonFile(path, 'sweep file'), resolve(path));
}

export function parseSweep(value: unknown, source: string): SweepSpec {
  const parsed = SweepSchema.safeParse(value);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.length > 0 ? i.path.join('.') : '(top level)'}: ${i.message}`);
    throw new ConfigError(`invalid sweep file ${source}:\n${lines.join('\n')}`);
  }
  const s = parsed.data;
  const fail = (msg: string): never => {
    throw new ConfigError(`sweep file ${source}: ${msg}`);
  };
  const dir = dirname(source);
  const abs = (p: string): string => (isAbsolute(p) ? p : resolve(dir, p));
  if ((s.base === undefined) === (s.set === undefined)) fail('give exactly one of "base" (a run config) or "set" (a function-set manifest)');
  if (s.functions !== undefined && s.set === undefined) fail('"functions" selects functions of a "set"');
  if (s.seeds !== undefined && 'seed' in s.grid) fail('"seed" is both a grid key and "seeds"; keep one');
  const dupSeed = s.seeds?.find((v, i) => s.seeds?.indexOf(v) !== i);
  if (dupSeed !== undefined) fail(`seed ${dupSeed} is listed twice in "seeds"`);
  for (const [key, values] of Object.entries(s.grid)) {
    if (!CONFIG_KEY.test(key)) fail(`grid key '${key}' is not a config key (dotted for nested ones, e.g. data.max_rows)`);
    const texts = values.map((v) => JSON.stringify(v));
    const dup = texts.find((t, i) => texts.indexOf(t) !== i);
    if (dup !== undefined) fail(`grid key '${key}' lists the value ${dup} twice`);
  }
  const executor: Executor =
    s.executor === 'local' ? { type: 'local' } : s.executor === 'slurm' ? SlurmSchema.parse({ type: 'slurm' }) : s.executor;
  return {
    name: s.name ?? basename(source).replace(/\.json$/i, '').replace(/[^A-Za-z0-9_.+-]/g, '_'),
    source,
    base: s.set !== undefined ? { kind: 'set', manifest: abs(s.set), functions: s.functions ?? null } : { kind: 'config', config: typeof s.base === 'string' ? abs(s.base) : (s.base as Record<string, unknown>) },
    grid: Object.entries(s.grid),
    seeds: s.seeds ?? null,
    results: abs(s.results),
    executor,
  };
}

/** The executor with a command-line choice applied: `--executor slurm` on a local sweep takes Slurm's defaults. */
export function chooseExecutor(spec: SweepSpec, type: string | undefined): Executor {
  if (type === undefined || type === spec.executor.type) return spec.executor;
  if (type === 'local') return { type: 'local' };
  if (type === 'slurm') return SlurmSchema.parse({ type: 'slurm' });
  throw new ConfigError(`--executor must be 'local' or 'slurm', got '${type}'`);
}
