// A sweep → its jobs: every base (the config, or each trained function of the
// set) × every combination of grid values × every seed, in that order with
// the last grid key varying fastest. A job's id is a hash of its config, so
// the same job gets the same id on every run of the sweep (and in every
// sweep): that is how a re-run finds the jobs that are already done.

import { createHash } from 'node:crypto';
import { dirname } from 'node:path';
import { applyOverrides, readConfigFile, rebaseDataPaths, validateConfig } from '../config/load.js';
import { readManifest } from '../sets/manifest.js';
import { ConfigError } from '../util/errors.js';
import type { SweepSpec } from './spec.js';

export interface SweepJob {
  /** 10 hex digits of the SHA-256 of the job's config. */
  readonly id: string;
  /** Readable: the function, the grid values that vary, the seed ("A width=16 seed=2"). */
  readonly name: string;
  readonly function: string | null;
  /** The grid values (and seed) this job takes, by config key. */
  readonly params: Readonly<Record<string, unknown>>;
  /** The run config, data paths absolute: what `ampfit train --config` gets. */
  readonly config: Record<string, unknown>;
}

/**
 * Keys left out of the id: they do not change what is trained (threads and
 * backend follow the executor, the name is a label), so a job stays done when
 * it moves from the local pool to Slurm.
 */
const UNHASHED = new Set(['name', 'threads', 'backend']);

export function expandSweep(spec: SweepSpec): SweepJob[] {
  const bases = sweepBases(spec);
  const combos = gridCombinations(spec.grid);
  const varying = spec.grid.filter(([, values]) => values.length > 1).map(([key]) => key);
  const seeds: ReadonlyArray<number | null> = spec.seeds ?? [null];
  const jobs: SweepJob[] = [];
  const byId = new Map<string, string>();
  for (const base of bases) {
    for (const combo of combos) {
      for (const seed of seeds) {
        const params: Record<string, unknown> = Object.fromEntries(combo);
        if (seed !== null) params.seed = seed;
        const parts = [
          ...(base.function === null ? [] : [base.function]),
          ...varying.map((key) => `${key.split('.').pop()}=${formatValue(params[key])}`),
          ...(seed !== null && seeds.length > 1 ? [`seed=${seed}`] : []),
        ];
        const name = parts.length > 0 ? parts.join(' ') : spec.name;
        const overrides = Object.entries(params).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
        const config = applyOverrides(base.config, overrides);
        const label = typeof config.name === 'string' && config.name !== '' ? `${config.name} ${name}` : name;
        config.name = label;
        // Validated now, all of them: a bad value must not surface when the 40th job starts on the cluster.
        validateConfig(config, `${spec.source}, job '${name}'`);
        const id = jobId(config);
        const twin = byId.get(id);
        if (twin !== undefined) throw new ConfigError(`sweep file ${spec.source}: jobs '${twin}' and '${name}' train the same config (id ${id})`);
        byId.set(id, name);
        jobs.push({ id, name, function: base.function, params, config });
      }
    }
  }
  return jobs;
}

export function jobId(config: Record<string, unknown>): string {
  const kept = Object.fromEntries(Object.entries(config).filter(([k]) => !UNHASHED.has(k)));
  return createHash('sha256').update(canonicalJson(kept)).digest('hex').slice(0, 10);
}

/** JSON with object keys sorted at every level, so equal configs hash equally whatever order they were written in. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function gridCombinations(grid: SweepSpec['grid']): Array<Array<[string, unknown]>> {
  let out: Array<Array<[string, unknown]>> = [[]];
  for (const [key, values] of grid) out = out.flatMap((prefix) => values.map((v): Array<[string, unknown]> => [...prefix, [key, v]]));
  return out;
}

function sweepBases(spec: SweepSpec): Array<{ function: string | null; config: Record<string, unknown> }> {
  if (spec.base.kind === 'config') {
    const { config } = spec.base;
    if (typeof config === 'string') return [{ function: null, config: readConfigFile(config) }];
    const copy = structuredClone(config);
    rebaseDataPaths(copy, dirname(spec.source));
    return [{ function: null, config: copy }];
  }
  const set = readManifest(spec.base.manifest);
  const trained = set.functions.filter((f) => f.kind === 'trained' && f.config !== null);
  const wanted = spec.base.functions;
  if (wanted !== null) {
    const names = trained.map((f) => f.name);
    const unknown = wanted.filter((w) => !names.includes(w));
    if (unknown.length > 0) throw new ConfigError(`sweep file ${spec.source}: "functions" names ${unknown.map((u) => `'${u}'`).join(', ')}, not trained functions of ${spec.base.manifest} (those are: ${names.join(', ')})`);
  }
  const chosen = trained.filter((f) => wanted === null || wanted.includes(f.name));
  if (chosen.length === 0) throw new ConfigError(`sweep file ${spec.source}: the set ${spec.base.manifest} has no function with a config to train`);
  return chosen.map((f) => ({ function: f.name, config: f.kind === 'trained' && f.config !== null ? structuredClone(f.config) : {} }));
}

function formatValue(v: unknown): string {
  return typeof v === 'string' ? v : JSON.stringify(v);
}
