// What a network reads of a row when the config declares structure in the
// inputs, resolved to column indices and stored with the model:
// - periodic columns (data.periodic) become cos(2πx/P), sin(2πx/P);
// - edge-log columns (data.log_edges) are read as they are and also as
//   ln x + 1 and ln(1 − x) + 1: amplitudes vary like ln x where a coordinate
//   reaches a forward peak or a collinear limit at its end (zz's cos θ* → ±1:
//   f00 ∝ 1/x up to x ~ m_Z⁴/ŝ², f01/f00 linear in ln x over four decades),
//   which a network reading x alone resolves only with its last few data
//   points; for uniform x, ln x + 1 has mean 0 and standard deviation 1;
// - decay angles (config `angular`) are not network inputs at all: each
//   decay's (cos θ, φ) feeds the harmonic basis (harmonics.ts), and the
//   network sees only the remaining "production" columns.
//
// Why the angular structure holds, and when: a spin-1 boson decaying to a
// massless fermion pair through a vector/axial current contributes, at fixed
// production kinematics p, a decay amplitude that is a combination of the
// Wigner functions d¹_{λ,±1}(θ)e^{iλφ}, λ ∈ {−1, 0, 1}; |M|² and any
// interference (2 Re M0* M1, with the loop on the production side) is then a
// combination of products of spherical harmonics with l ≤ 2 in each decay
// direction. It fails when diagrams attach a boson to a lepton line (singly
// resonant) or the fermions are massive with helicity-flip terms that matter.

import type { RunConfig } from '../config/schema.js';
import { rowOrigin, type Dataset } from '../data/dataset.js';
import { AmpfitError, ConfigError, ModelFileError } from '../util/errors.js';
import { MAX_L } from './harmonics.js';

const TWO_PI = 2 * Math.PI;

/** value = offset + scale · x[index]. */
export interface AngleMap {
  readonly index: number;
  readonly offset: number;
  readonly scale: number;
}

export interface DecayAngles {
  readonly name: string;
  readonly cos: AngleMap;
  readonly phi: AngleMap;
}

/** Plain JSON, stored in the network config of a model with structured inputs. */
export interface InputStageSpec {
  /** Columns of a raw row. */
  readonly inputDim: number;
  /** Raw columns the network reads as they are, in order. */
  readonly plain: readonly number[];
  /** Raw columns the network reads as (cos, sin) pairs, after the plain ones. */
  readonly periodic: readonly { readonly index: number; readonly period: number }[];
  /** Raw columns in [0, 1] also read as (ln x + 1, ln(1 − x) + 1) pairs, after the periodic ones. */
  readonly logEdges: readonly number[];
  readonly angular: { readonly lMax: number; readonly decays: readonly DecayAngles[] } | null;
}

/** Width of the network's input row. */
export function stageWidth(s: InputStageSpec): number {
  return s.plain.length + 2 * s.periodic.length + 2 * s.logEdges.length;
}

/**
 * x and 1 − x below this are read as it: the logarithms stay finite at the
 * cube's faces (ln 1e-15 + 1 ≈ −33.5, far beyond any sample's ln x).
 */
export const EDGE_FLOOR = 1e-15;

/** (ln x + 1, ln(1 − x) + 1) of an edge-log column, with the floor; the C, ONNX and libampfit exports compute the same expressions. */
export function edgeLogs(x: number): [number, number] {
  const u = 1 - x;
  return [Math.log(x > EDGE_FLOOR ? x : EDGE_FLOOR) + 1, Math.log(u > EDGE_FLOOR ? u : EDGE_FLOOR) + 1];
}

/** The config's declarations over the dataset's input names, or null when it declares none. */
export function resolveInputStage(config: Pick<RunConfig, 'angular'> & { data: Pick<RunConfig['data'], 'periodic' | 'log_edges'> }, inputNames: readonly string[]): InputStageSpec | null {
  const a = config.angular;
  if (a === null && config.data.periodic.length === 0 && config.data.log_edges.length === 0) return null;
  const indexOf = (name: string, where: string): number => {
    const i = inputNames.indexOf(name);
    if (i < 0) throw new ConfigError(`${where}: '${name}' is not an input column (the ${inputNames.length} inputs are ${inputNames.join(', ')})`);
    return i;
  };
  const periodic = config.data.periodic.map((p) => {
    const column = typeof p === 'string' ? p : p.column;
    return { index: indexOf(column, 'data.periodic'), period: typeof p === 'string' ? 1 : p.period };
  });
  const decays: DecayAngles[] = (a?.decays ?? []).map((d, k) => {
    const name = d.name ?? `decay ${k + 1}`;
    const map = (spec: (typeof d)['cos_theta'], role: 'cos_theta' | 'phi'): AngleMap => {
      const where = `angular: ${name} ${role}`;
      if (typeof spec === 'string') return { index: indexOf(spec, where), offset: role === 'cos_theta' ? -1 : 0, scale: role === 'cos_theta' ? 2 : TWO_PI };
      return { index: indexOf(spec.column, where), offset: spec.offset, scale: spec.scale };
    };
    return { name, cos: map(d.cos_theta, 'cos_theta'), phi: map(d.phi, 'phi') };
  });
  const taken = new Set<number>([...periodic.map((p) => p.index), ...decays.flatMap((d) => [d.cos.index, d.phi.index])]);
  // The config schema has refused a column that is also periodic or a decay angle.
  const logEdges = config.data.log_edges.map((column) => indexOf(column, 'data.log_edges'));
  const plain = inputNames.map((_, i) => i).filter((i) => !taken.has(i));
  const spec: InputStageSpec = { inputDim: inputNames.length, plain, periodic, logEdges, angular: a === null ? null : { lMax: a.l_max, decays } };
  if (stageWidth(spec) === 0) throw new ConfigError('angular: every input is a decay angle; the network needs at least one production input');
  return spec;
}

/** The first (row, column, problem) whose decay angle leaves its range, or null. */
export function firstBadAngle(s: InputStageSpec, x: Float64Array, n: number): { row: number; column: number; problem: string } | null {
  if (s.angular === null) return null;
  const d = s.inputDim;
  for (let r = 0; r < n; r++) {
    for (const dec of s.angular.decays) {
      const c = dec.cos.offset + dec.cos.scale * x[r * d + dec.cos.index];
      if (!(c >= -1 && c <= 1)) return { row: r, column: dec.cos.index, problem: `maps to cos θ = ${c} of ${dec.name}, outside [−1, 1]` };
      const phi = dec.phi.offset + dec.phi.scale * x[r * d + dec.phi.index];
      if (!(phi >= 0 && phi <= TWO_PI)) return { row: r, column: dec.phi.index, problem: `maps to φ = ${phi} of ${dec.name}, outside [0, 2π]` };
    }
  }
  return null;
}

/** Refuses, with file, line and column, a dataset row whose declared angle map leaves cos θ ∈ [−1, 1] or φ ∈ [0, 2π]. */
export function checkAngleDomain(s: InputStageSpec | null, data: Pick<Dataset, 'x' | 'n' | 'd' | 'inputNames' | 'report'>): void {
  if (s === null) return;
  const bad = firstBadAngle(s, data.x, data.n);
  if (bad === null) return;
  throw new AmpfitError(`${rowOrigin(data.report, bad.row)}, column '${data.inputNames[bad.column]}': value ${data.x[bad.row * data.d + bad.column]} ${bad.problem} (check the angle's offset and scale in the config's angular.decays)`);
}

/** Writes the network's input rows (n × stageWidth) for n raw rows. */
export function stageInputs(s: InputStageSpec, x: Float64Array, n: number, out: Float64Array): void {
  const d = s.inputDim;
  const w = stageWidth(s);
  const np = s.plain.length;
  for (let r = 0; r < n; r++) {
    const src = r * d;
    const dst = r * w;
    for (let j = 0; j < np; j++) out[dst + j] = x[src + s.plain[j]];
    for (let j = 0; j < s.periodic.length; j++) {
      const p = s.periodic[j];
      const a = (TWO_PI * x[src + p.index]) / p.period;
      out[dst + np + 2 * j] = Math.cos(a);
      out[dst + np + 2 * j + 1] = Math.sin(a);
    }
    const at = dst + np + 2 * s.periodic.length;
    for (let j = 0; j < s.logEdges.length; j++) {
      const [lo, hi] = edgeLogs(x[src + s.logEdges[j]]);
      out[at + 2 * j] = lo;
      out[at + 2 * j + 1] = hi;
    }
  }
}

/** (cos θ_k, φ_k) of every decay of row r, into out[at …] (2·decays values). */
export function rowAngles(s: InputStageSpec, x: Float64Array, r: number, out: Float64Array, at = 0): void {
  const decays = s.angular?.decays ?? [];
  const base = r * s.inputDim;
  for (let k = 0; k < decays.length; k++) {
    const { cos, phi } = decays[k];
    // Rounding in offset + scale·x may step past ±1 by an ulp; the domain check has already refused real excursions.
    out[at + 2 * k] = Math.min(1, Math.max(-1, cos.offset + cos.scale * x[base + cos.index]));
    out[at + 2 * k + 1] = phi.offset + phi.scale * x[base + phi.index];
  }
}

/** The stage as a model file stores it (stageToJSON). */
export type StoredStageSpec = Omit<InputStageSpec, 'logEdges'> & { readonly logEdges?: readonly number[] };

/**
 * The stage as stored in a model file. No edge logarithms are stored as no
 * key, as files written before they existed have it: a loaded model is
 * checked for keys its file lacks (src/models/surrogate.ts), and an empty
 * list must not make those files unreadable.
 */
export function stageToJSON(s: InputStageSpec): StoredStageSpec {
  const { logEdges, ...rest } = s;
  return logEdges.length === 0 ? rest : s;
}

/** Validates a stored spec (model file, checkpoint) like the config. */
export function parseInputStageSpec(v: unknown, where: string): InputStageSpec {
  const fail = (what: string): never => {
    throw new ModelFileError(`${where}: ${what}`);
  };
  if (typeof v !== 'object' || v === null) return fail('missing');
  const o = v as Record<string, unknown>;
  const int = (x: unknown, what: string, below: number): number =>
    typeof x === 'number' && Number.isInteger(x) && x >= 0 && x < below ? x : fail(`${what} must be an integer in [0, ${below})`);
  const num = (x: unknown, what: string): number => (typeof x === 'number' && Number.isFinite(x) ? x : fail(`${what} must be a finite number`));
  const inputDim = int(o.inputDim, 'inputDim', 1 << 20);
  if (!Array.isArray(o.plain) || !Array.isArray(o.periodic)) return fail('plain and periodic must be arrays');
  const plain = o.plain.map((i, k) => int(i, `plain[${k}]`, inputDim));
  const periodic = o.periodic.map((p: unknown, k) => {
    const q = (p ?? {}) as Record<string, unknown>;
    const period = num(q.period, `periodic[${k}].period`);
    if (!(period > 0)) fail(`periodic[${k}].period must be positive`);
    return { index: int(q.index, `periodic[${k}].index`, inputDim), period };
  });
  // Models written before edge logarithms existed have no logEdges.
  if (o.logEdges !== undefined && !Array.isArray(o.logEdges)) return fail('logEdges must be an array');
  const logEdges = ((o.logEdges as unknown[] | undefined) ?? []).map((i, k) => int(i, `logEdges[${k}]`, inputDim));
  let angular: InputStageSpec['angular'] = null;
  if (o.angular !== null && o.angular !== undefined) {
    const a = o.angular as Record<string, unknown>;
    const lMax = int(a.lMax, 'angular.lMax', MAX_L + 1);
    if (!Array.isArray(a.decays) || a.decays.length === 0) return fail('angular.decays must be a non-empty array');
    const angle = (m: unknown, what: string): AngleMap => {
      const q = (m ?? {}) as Record<string, unknown>;
      return { index: int(q.index, `${what}.index`, inputDim), offset: num(q.offset, `${what}.offset`), scale: num(q.scale, `${what}.scale`) };
    };
    const decays = a.decays.map((dv: unknown, k) => {
      const dd = (dv ?? {}) as Record<string, unknown>;
      return { name: String(dd.name ?? `decay ${k + 1}`), cos: angle(dd.cos, `angular.decays[${k}].cos`), phi: angle(dd.phi, `angular.decays[${k}].phi`) };
    });
    angular = { lMax, decays };
  }
  const spec: InputStageSpec = { inputDim, plain, periodic, logEdges, angular };
  if (stageWidth(spec) === 0) fail('the network reads no input');
  return spec;
}
