// A trained function set, ready to evaluate any member. A set directory holds
//   set.json   the manifest with every trained function pointing at its model
//   <name>/    one model directory per function that train-set trained
// A derived member costs one coordinate map and one multiplication on top of
// its trained base: f(x) = factor · base(map·x), with the whole chain of
// derivations folded into that one map at load.

import type { InputDomainJSON } from '../models/domain.js';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { writeJsonAtomic } from '../io/atomic.js';
import { loadModel, type Surrogate } from '../models/surrogate.js';
import { applyMap, firstReflectedOutsideUnit, formatMap, type SignedPermutation } from '../symmetry/coordinateMap.js';
import type { PhysicalPrediction } from '../uncertainty/calibration.js';
import { AmpfitError } from '../util/errors.js';
import { readManifest, type FunctionSet, type SetFunction } from './manifest.js';

export const SET_FILE = 'set.json';

/** What `predict` needs of a model: the same for a single model and a set member. */
export interface Evaluator {
  readonly inputs: readonly string[];
  readonly d: number;
  /** The Born column the regressed ratio multiplies, or null. */
  readonly born: string | null;
  predict(x: Float64Array, n: number): Float64Array;
  /** Where inputs are accepted (src/models/domain.ts); null: anywhere finite. */
  readonly domain: InputDomainJSON | null;
  /** Whether predictUncertain works (the model learned σ). */
  readonly hasUncertainty: boolean;
  predictUncertain(x: Float64Array, n: number): PhysicalPrediction;
}

export interface SetMember extends Evaluator {
  readonly name: string;
  /** "trained" or e.g. "−1 × A(x1, 1-x2, x4, x3)". */
  readonly describe: string;
}

export class ModelSet {
  private readonly models = new Map<string, Surrogate>();
  private readonly members = new Map<string, SetMember>();

  constructor(readonly set: FunctionSet, private readonly modelDirOf: (name: string) => string) {
    for (const f of set.functions) this.members.set(f.name, this.memberFor(f));
  }

  get names(): string[] {
    return this.set.functions.map((f) => f.name);
  }

  member(name: string): SetMember {
    const m = this.members.get(name);
    if (m === undefined) throw new AmpfitError(`function set${this.set.name === '' ? '' : ` '${this.set.name}'`} has no function '${name}' (it has ${this.names.join(', ')})`);
    return m;
  }

  predict(name: string, x: Float64Array, n: number): Float64Array {
    return this.member(name).predict(x, n);
  }

  /** The model of a trained member. Models load on first use: a generator may call only a few of 162 members. */
  trainedModel(name: string): Surrogate {
    let m = this.models.get(name);
    if (m === undefined) {
      if (this.set.functions.find((f) => f.name === name)?.kind !== 'trained') throw new AmpfitError(`function '${name}' is not a trained member of the set`);
      m = loadModel(this.modelDirOf(name));
      const want = this.set.inputs.join(', ');
      if (m.inputs.join(', ') !== want) throw new AmpfitError(`function '${name}': its model takes inputs (${m.inputs.join(', ')}), the set declares (${want})`);
      this.models.set(name, m);
    }
    return m;
  }

  private memberFor(f: SetFunction): SetMember {
    const d = this.set.inputs.length;
    const inputs = this.set.inputs;
    const model = (base: string): Surrogate => this.trainedModel(base);
    if (f.kind === 'trained') {
      return {
        name: f.name,
        inputs,
        d,
        get born() {
          return model(f.name).born;
        },
        describe: 'trained',
        get domain() {
          return model(f.name).domain;
        },
        predict: (x, n) => model(f.name).predict(x, n),
        get hasUncertainty() {
          return model(f.name).hasUncertainty;
        },
        predictUncertain: (x, n) => model(f.name).predictUncertain(x, n),
      };
    }
    const { base, baseMap, baseFactor } = f;
    return {
      name: f.name,
      inputs,
      d,
      get born() {
        return model(base).born;
      },
      describe: `${baseFactor === 1 ? '' : `${baseFactor} × `}${base}${formatMap(baseMap, inputs)}`,
      // Reflections and swaps map the unit cube onto itself; a per-input range would have to be mapped too, so it is not checked here.
      get domain() {
        const dom = model(base).domain;
        return dom !== null && dom.kind === 'unit-cube' ? dom : null;
      },
      predict: (x, n) => {
        checkInside(baseMap, x, n, f.name, inputs);
        const out = model(base).predict(applyMap(baseMap, x, n), n);
        if (baseFactor !== 1) for (let i = 0; i < n; i++) out[i] *= baseFactor;
        return out;
      },
      get hasUncertainty() {
        return model(base).hasUncertainty;
      },
      predictUncertain: (x, n) => {
        checkInside(baseMap, x, n, f.name, inputs);
        const p = model(base).predictUncertain(applyMap(baseMap, x, n), n);
        const k = Math.abs(baseFactor);
        return {
          value: p.value.map((v) => v * baseFactor),
          sigmaSyst: p.sigmaSyst.map((v) => v * k),
          sigmaStat: p.sigmaStat === null ? null : p.sigmaStat.map((v) => v * k),
        };
      },
    };
  }
}

function checkInside(map: SignedPermutation, x: Float64Array, n: number, name: string, inputs: readonly string[]): void {
  const reflected = new Uint8Array(map.src.length);
  for (let j = 0; j < map.src.length; j++) if (map.reflect[j] === 1) reflected[map.src[j]] = 1;
  const bad = firstReflectedOutsideUnit(reflected, x, n);
  if (bad !== null) {
    const [row, j] = bad;
    throw new AmpfitError(`function '${name}', row ${row + 1}: ${inputs[j]} = ${x[row * inputs.length + j]} lies outside [0, 1], where its map reflects it`);
  }
}

/** A set directory (holding set.json) or a manifest whose trained functions all name a "model". */
export function loadModelSet(path: string): ModelSet {
  const manifestPath = existsSync(path) && statSync(path).isDirectory() ? join(path, SET_FILE) : path;
  if (!existsSync(manifestPath)) throw new AmpfitError(`${path} holds no ${SET_FILE}: not a trained function set (run ampfit train-set first)`);
  const set = readManifest(manifestPath);
  const dirs = new Map<string, string>();
  for (const f of set.functions) {
    if (f.kind !== 'trained') continue;
    if (f.modelDir === null) throw new AmpfitError(`${manifestPath}: function '${f.name}' has a config but no trained model; train the set with ampfit train-set`);
    dirs.set(f.name, f.modelDir);
  }
  return new ModelSet(set, (name) => dirs.get(name) as string);
}

/** Writes set.json: the manifest with each trained function pointing at its model directory (relative to the set directory when inside it). */
export function writeSetFile(dir: string, set: FunctionSet, modelPaths: ReadonlyMap<string, string>): void {
  const functions = set.functions.map((f) =>
    f.kind === 'trained'
      ? { name: f.name, model: modelPaths.get(f.name) as string }
      : { name: f.name, from: f.from, map: formatMap(f.map, set.inputs), ...(f.factor === 1 ? {} : { factor: f.factor }) },
  );
  writeJsonAtomic(join(dir, SET_FILE), { name: set.name, inputs: set.inputs, functions });
}
