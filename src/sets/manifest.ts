// A function set: N named functions on one phase space, of which only some
// need a regressor of their own. Paper 1 serves 162 helicity functions of a
// 4D process with 25 regressors: every other function is one of those at
// coordinates permuted by a particle exchange, sometimes with a sign.
//
//   {
//     "name": "zz4d helicities",
//     "inputs": ["x1", "x2", "x3", "x4"],
//     "defaults": { "model_type": "skdnn", "depth": 9, "width": 36 },
//     "functions": [
//       { "name": "A", "config": "a.json" },                       trained (file relative to the manifest, or an inline config)
//       { "name": "Z", "model": "runs/z" },                        already trained (a model directory)
//       { "name": "B", "from": "A", "map": "(x1, 1-x2, x4, x3)" }, B(x) = A(g·x)
//       { "name": "C", "from": "B", "map": [{"swap": ["x1", "x2"]}], "factor": -1 }   C(x) = −B(g·x)
//     ]
//   }
//
// A derived function may derive from another derived one; chains are resolved
// once, at load, into one map and one factor on a trained function.

import { parseJsonNoDuplicates, readJsonFile } from '../config/json.js';
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { z } from 'zod';
import { rebaseDataPaths } from '../config/load.js';
import { MapSpecSchema } from '../config/schema.js';
import { ConfigError } from '../util/errors.js';
import { compose, identityMap, parseMap, type SignedPermutation } from '../symmetry/coordinateMap.js';

const NAME = /^[A-Za-z_][A-Za-z0-9_.+-]*$/;

const FunctionSchema = z.strictObject({
  name: z.string().regex(NAME, 'a function name starts with a letter or _ and holds letters, digits and _ . + - (it names a directory)'),
  /** Trained: a run config (file path relative to the manifest, or inline), merged over the manifest's defaults. */
  config: z.union([z.string().min(1), z.record(z.string(), z.unknown())]).optional(),
  /** Already trained: a model directory (relative to the manifest). */
  model: z.string().min(1).optional(),
  /** Derived: the function this one is, at transformed coordinates. */
  from: z.string().min(1).optional(),
  map: MapSpecSchema.optional(),
  factor: z.number().refine((v) => Number.isFinite(v) && v !== 0, 'factor must be finite and non-zero').optional(),
});

export const ManifestSchema = z.strictObject({
  name: z.string().default(''),
  /** The coordinates every function takes, in order (maps are written over them). */
  inputs: z.array(z.string().min(1)).min(1),
  /** Config keys shared by every trained function (each function's own config wins). */
  defaults: z.record(z.string(), z.unknown()).default({}),
  functions: z.array(FunctionSchema).min(1),
});

export type ManifestInput = z.input<typeof ManifestSchema>;

export interface TrainedFunction {
  readonly kind: 'trained';
  readonly name: string;
  /** The raw run config: defaults merged with the function's own, data paths absolute; null for a given model. */
  readonly config: Record<string, unknown> | null;
  /** The model directory (absolute) when the manifest names one instead of a config. */
  readonly modelDir: string | null;
}

export interface DerivedFunction {
  readonly kind: 'derived';
  readonly name: string;
  readonly from: string;
  readonly map: SignedPermutation;
  readonly factor: number;
  /** The trained function at the end of the chain, and the whole chain folded: f(x) = factor · base(map·x). */
  readonly base: string;
  readonly baseMap: SignedPermutation;
  readonly baseFactor: number;
}

export type SetFunction = TrainedFunction | DerivedFunction;

export interface FunctionSet {
  readonly name: string;
  readonly inputs: readonly string[];
  readonly functions: readonly SetFunction[];
}

export function readManifest(path: string): FunctionSet {
  return parseManifest(readJsonFile(path, 'manifest'), path, dirname(resolve(path)));
}

/** Validates a manifest; `baseDir` resolves relative config and data paths. Every problem is reported with the function it is in. */
export function parseManifest(value: unknown, source: string, baseDir: string): FunctionSet {
  const parsed = ManifestSchema.safeParse(value);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.length > 0 ? i.path.join('.') : '(top level)'}: ${i.message}`);
    throw new ConfigError(`invalid manifest ${source}:\n${lines.join('\n')}`);
  }
  const m = parsed.data;
  const fail = (msg: string): never => {
    throw new ConfigError(`manifest ${source}: ${msg}`);
  };
  const dupInput = m.inputs.find((n, i) => m.inputs.indexOf(n) !== i);
  if (dupInput !== undefined) fail(`input '${dupInput}' is listed twice`);
  const byName = new Map<string, (typeof m.functions)[number]>();
  for (const f of m.functions) {
    if (byName.has(f.name)) fail(`function '${f.name}' is defined twice`);
    byName.set(f.name, f);
  }
  const known = (): string => [...byName.keys()].join(', ');
  for (const f of m.functions) {
    const sources = [f.config, f.model, f.from].filter((v) => v !== undefined).length;
    if (sources !== 1) fail(`function '${f.name}' needs exactly one of "config" (to train), "model" (trained) or "from" (derived)`);
    const derived = f.from !== undefined;
    if (!derived && (f.map !== undefined || f.factor !== undefined)) fail(`function '${f.name}' is trained: "map" and "factor" belong to derived functions`);
    if (derived && !byName.has(f.from as string)) fail(`function '${f.name}' derives from unknown function '${f.from}' (known: ${known()})`);
  }

  const maps = new Map<string, SignedPermutation>();
  for (const f of m.functions) {
    if (f.from !== undefined) maps.set(f.name, f.map === undefined ? identityMap(m.inputs.length) : parseMap(f.map, m.inputs, `manifest ${source}, function '${f.name}'`));
  }

  const functions: SetFunction[] = m.functions.map((f) => {
    if (f.model !== undefined) return { kind: 'trained', name: f.name, config: null, modelDir: isAbsolute(f.model) ? f.model : resolve(baseDir, f.model) };
    if (f.config !== undefined) return { kind: 'trained', name: f.name, config: trainedConfig(f.config, m.defaults, baseDir, source, f.name), modelDir: null };
    if (f.from === undefined) throw new Error('unreachable: sources checked above');
    // Walk the chain to a trained function: f(x) = k_f · p(g_f·x), p(y) = k_p · q(g_p·y), …
    // so the folded map applies g_f first: G = … ∘ g_p ∘ g_f.
    const chain = [f.name];
    let map = maps.get(f.name) as SignedPermutation;
    let factor = f.factor ?? 1;
    let at = byName.get(f.from) as (typeof m.functions)[number];
    while (at.from !== undefined) {
      if (chain.includes(at.name)) fail(`functions derive from each other in a cycle: ${[...chain.slice(chain.indexOf(at.name)), at.name].join(' → ')}`);
      chain.push(at.name);
      map = compose(maps.get(at.name) as SignedPermutation, map);
      factor *= at.factor ?? 1;
      at = byName.get(at.from) as (typeof m.functions)[number];
    }
    return { kind: 'derived', name: f.name, from: f.from, map: maps.get(f.name) as SignedPermutation, factor: f.factor ?? 1, base: at.name, baseMap: map, baseFactor: factor };
  });
  if (!functions.some((f) => f.kind === 'trained')) fail('no function is trained (every one has "from")');
  return { name: m.name, inputs: m.inputs, functions };
}

function trainedConfig(spec: string | Record<string, unknown>, defaults: Record<string, unknown>, baseDir: string, source: string, name: string): Record<string, unknown> {
  let own: Record<string, unknown>;
  let ownDir = baseDir;
  if (typeof spec === 'string') {
    const path = isAbsolute(spec) ? spec : resolve(baseDir, spec);
    try {
      own = parseJsonNoDuplicates(readFileSync(path, 'utf8'), `config ${path}`) as Record<string, unknown>;
    } catch (e) {
      throw new ConfigError(`manifest ${source}, function '${name}': cannot read config ${path}: ${(e as Error).message}`);
    }
    ownDir = dirname(path);
  } else {
    own = spec;
  }
  return mergeConfig(rebaseData(defaults, baseDir), rebaseData(own, ownDir));
}

/** Objects merge key by key (so "data" can be split between defaults and a function); anything else is replaced. */
function mergeConfig(base: Record<string, unknown>, over: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [k, v] of Object.entries(over)) {
    const b = out[k];
    out[k] = isPlainObject(b) && isPlainObject(v) ? mergeConfig(b, v) : v;
  }
  return out;
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** A copy with its data paths made absolute (they are relative to the file they are written in). */
function rebaseData(config: Record<string, unknown>, dir: string): Record<string, unknown> {
  const copy = structuredClone(config);
  rebaseDataPaths(copy, dir);
  return copy;
}
