// The mean of K trained models of one target on one split (`ampfit combine`):
// a seed ensemble for accuracy. Members trained at the same time on a K-core
// machine, one thread each, cost the wall clock of one model, and averaging
// cancels the part of their errors that differs between initialisations
// (bench/finishing.ts, method ensemble-parallel, measures when that wins).
// Members that learned σ are not averaged here: uncertainty 'ensemble' is
// that model, with its σ_stat.

import type { GraphBuilder } from '../graph/builder.js';
import type { Buf } from '../graph/ops.js';
import { AmpfitError, ModelFileError } from '../util/errors.js';
import type { EmittedOutput, Regressor, SerializedRegressor } from './regressor.js';

export const AVERAGED_TYPE = 'averaged';

/** Where member k's arrays live in the model file: "member<k>/<name>". */
function prefix(k: number): string {
  return `member${k}/`;
}

export class AveragedRegressor implements Regressor {
  readonly type = AVERAGED_TYPE;

  constructor(readonly members: readonly Regressor[]) {
    if (members.length < 2) throw new AmpfitError(`an averaged model needs at least 2 members, got ${members.length}`);
  }

  parameterCount(): number {
    return this.members.reduce((s, m) => s + m.parameterCount(), 0);
  }

  /** Σ_k (f_k / K) in member order, in the transformed space: the bits the graph's mean op ('divide-then-sum') gives. */
  predict(x: Float64Array, n: number): Float64Array {
    const k = this.members.length;
    const out = new Float64Array(n);
    for (const m of this.members) {
      const p = m.predict(x, n);
      for (let i = 0; i < n; i++) out[i] += p[i] / k;
    }
    return out;
  }

  emit(g: GraphBuilder, x: Buf): EmittedOutput {
    const values = this.members.map((m) => {
      const o = m.emit(g, x);
      if (o.sigma !== null) throw new AmpfitError('an averaged model has members with σ; average their predictions only (uncertainty: ensemble is that model with σ)');
      return o.value;
    });
    return { value: g.mean(values, 'divide-then-sum'), sigma: null };
  }

  serialize(): SerializedRegressor {
    const arrays: SerializedRegressor['arrays'] = {};
    const members = this.members.map((m, k) => {
      const s = m.serialize();
      for (const [name, a] of Object.entries(s.arrays)) arrays[prefix(k) + name] = a;
      return s.spec;
    });
    return { spec: { type: this.type, members }, arrays };
  }
}

/** Rebuilds an averaged model; `loadMember` rebuilds each member from its own spec and arrays. */
export function loadAveraged(s: SerializedRegressor, loadMember: (member: SerializedRegressor) => Regressor): AveragedRegressor {
  const members = s.spec.members;
  if (!Array.isArray(members) || members.length < 2) throw new ModelFileError('averaged model: spec.members must list at least 2 member specs');
  const claimed = new Set<string>();
  const loaded = members.map((spec: unknown, k) => {
    if (typeof spec !== 'object' || spec === null) throw new ModelFileError(`averaged model: member ${k + 1} has no spec`);
    const p = prefix(k);
    const arrays: SerializedRegressor['arrays'] = {};
    for (const [name, a] of Object.entries(s.arrays)) {
      if (!name.startsWith(p)) continue;
      arrays[name.slice(p.length)] = a;
      claimed.add(name);
    }
    return loadMember({ spec: spec as Record<string, unknown>, arrays });
  });
  const stray = Object.keys(s.arrays).filter((name) => !claimed.has(name));
  if (stray.length > 0) throw new ModelFileError(`averaged model: array '${stray[0]}' belongs to no member`);
  return new AveragedRegressor(loaded);
}
