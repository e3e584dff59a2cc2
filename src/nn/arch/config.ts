// Paper 2's architectures as plain JSON (stored in snapshots and model files;
// plan.ts builds their networks). Sorted by increasing complexity:
// - 'mlp': depth × width dense layers with a fixed or a learnable rational
//   activation (GroupKAN when rational), then a linear Dense(1);
// - 'kan': depth KAN layers of width, then a KAN layer to the output;
// - 'ds':  Deep Sets — a per-type embedding (embedDepth dense layers of
//   latent, activated) of each particle's four-momentum, concatenated in
//   particle order with the extra features (DSI: invariants), then an mlp head.

import { ACTIVATIONS, type Activation, type ActivationName } from '../../kernels/types.js';
import { ConfigError } from '../../util/errors.js';
import { defaultActivationParam } from '../config.js';

export type ActivationSpec =
  | { readonly kind: 'fixed'; readonly activation: Activation }
  | {
    readonly kind: 'rational'; readonly groups: number; readonly degP: number; readonly degQ: number;
    /** The fixed activation the coefficients start as (least squares on [−range, range]). */
    readonly init: Activation; readonly range: number;
  };

export interface MlpConfig {
  readonly type: 'mlp';
  readonly inputDim: number;
  readonly depth: number;
  readonly width: number;
  readonly activation: ActivationSpec;
  /** Outputs of the last layer; absent: 1 (2 for a (mean, log σ²) head). */
  readonly outputs?: number;
}

export interface KanConfig {
  readonly type: 'kan';
  readonly inputDim: number;
  readonly depth: number;
  readonly width: number;
  readonly grid: number;
  readonly range: readonly [number, number];
  readonly outputs?: number;
}

export interface DeepSetsConfig {
  readonly type: 'ds';
  readonly inputDim: number;
  /** Type of each particle, in input order (4 columns each). */
  readonly particleTypes: readonly string[];
  /** Features after the momenta that bypass the embedding (DSI: the invariants). */
  readonly extras: number;
  readonly latent: number;
  readonly embedDepth: number;
  readonly depth: number;
  readonly width: number;
  readonly activation: ActivationSpec;
  readonly outputs?: number;
}

export type ArchConfig = MlpConfig | KanConfig | DeepSetsConfig;

/** Paper-style names: "MLP 3-128 (30D, gelu)", "GroupKAN-4 MLP 3-128", "KAN 2-16 (grid 10)", "DSI 3-128 (latent 64)". */
export function describeArch(c: ArchConfig): string {
  const act = (a: ActivationSpec): string => (a.kind === 'fixed' ? a.activation.name : `GroupKAN-${a.groups} rational (${a.degP},${a.degQ}) from ${a.init.name}`);
  switch (c.type) {
    case 'mlp':
      return `MLP ${c.depth}-${c.width} (${c.inputDim}D, ${act(c.activation)})`;
    case 'kan':
      return `KAN ${c.depth}-${c.width} (${c.inputDim}D, grid ${c.grid} on [${c.range.join(', ')}])`;
    case 'ds':
      return `${c.extras > 0 ? 'DSI' : 'DS'} ${c.depth}-${c.width} (${c.particleTypes.length} particles, latent ${c.latent}×${c.embedDepth}, ${c.extras} extra features, ${act(c.activation)})`;
  }
}

// ---- validation of stored configs (model files, snapshots) ----

type Obj = Record<string, unknown>;

function obj(v: unknown, where: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ConfigError(`${where}: expected an object`);
  return v as Obj;
}

function int(v: unknown, where: string, min = 1): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min) throw new ConfigError(`${where}: expected an integer ≥ ${min}, got ${String(v)}`);
  return v;
}

function num(v: unknown, where: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ConfigError(`${where}: expected a finite number, got ${String(v)}`);
  return v;
}

function fixedActivation(v: unknown, where: string): Activation {
  const o = obj(v, where);
  if (typeof o.name !== 'string' || !(ACTIVATIONS as readonly string[]).includes(o.name)) {
    throw new ConfigError(`${where}.name: expected one of ${ACTIVATIONS.join(', ')}`);
  }
  const name = o.name as ActivationName;
  return { name, param: o.param === undefined ? defaultActivationParam(name) : num(o.param, `${where}.param`) };
}

function activationSpec(v: unknown, where: string, widths: readonly number[]): ActivationSpec {
  const o = obj(v, where);
  if (o.kind === 'fixed') return { kind: 'fixed', activation: fixedActivation(o.activation, `${where}.activation`) };
  if (o.kind !== 'rational') throw new ConfigError(`${where}.kind: expected 'fixed' or 'rational'`);
  const groups = int(o.groups, `${where}.groups`);
  for (const w of widths) if (w % groups !== 0) throw new ConfigError(`${where}.groups: ${groups} does not divide width ${w}`);
  return {
    kind: 'rational', groups, degP: int(o.degP, `${where}.degP`, 0), degQ: int(o.degQ, `${where}.degQ`, 0),
    init: fixedActivation(o.init, `${where}.init`), range: num(o.range, `${where}.range`),
  };
}

export function parseArchConfig(value: unknown, where = 'model'): ArchConfig {
  const arch = parseArch(value, where);
  const o = value as Obj;
  // Stored only when not 1, so the files of one-output networks keep their old form.
  if (o.outputs === undefined || o.outputs === 1) return arch;
  return { ...arch, outputs: int(o.outputs, `${where}.outputs`) };
}

function parseArch(value: unknown, where: string): ArchConfig {
  const o = obj(value, where);
  const inputDim = int(o.inputDim, `${where}.inputDim`);
  switch (o.type) {
    case 'mlp': {
      const depth = int(o.depth, `${where}.depth`);
      const width = int(o.width, `${where}.width`);
      return { type: 'mlp', inputDim, depth, width, activation: activationSpec(o.activation, `${where}.activation`, [width]) };
    }
    case 'kan': {
      const r = o.range;
      if (!Array.isArray(r) || r.length !== 2 || !(num(r[0], `${where}.range[0]`) < num(r[1], `${where}.range[1]`))) {
        throw new ConfigError(`${where}.range: expected [lo, hi] with lo < hi`);
      }
      return {
        type: 'kan', inputDim, depth: int(o.depth, `${where}.depth`), width: int(o.width, `${where}.width`),
        grid: int(o.grid, `${where}.grid`), range: [r[0] as number, r[1] as number],
      };
    }
    case 'ds': {
      const types = o.particleTypes;
      if (!Array.isArray(types) || types.length === 0 || !types.every((t) => typeof t === 'string')) {
        throw new ConfigError(`${where}.particleTypes: expected a list of type names`);
      }
      const extras = int(o.extras, `${where}.extras`, 0);
      if (inputDim !== 4 * types.length + extras) {
        throw new ConfigError(`${where}: inputDim ${inputDim} is not 4 × ${types.length} particles + ${extras} extras`);
      }
      const latent = int(o.latent, `${where}.latent`);
      const width = int(o.width, `${where}.width`);
      return {
        type: 'ds', inputDim, particleTypes: types as string[], extras, latent, embedDepth: int(o.embedDepth, `${where}.embedDepth`),
        depth: int(o.depth, `${where}.depth`), width, activation: activationSpec(o.activation, `${where}.activation`, [latent, width]),
      };
    }
    default:
      throw new ConfigError(`${where}.type: expected 'mlp', 'kan' or 'ds', got ${String(o.type)}`);
  }
}
