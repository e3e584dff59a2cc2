import type { ModelInput } from '../../src/report/collect.js';
import { Rng } from '../../src/util/rng.js';

/** The part of a Vega scenegraph node the tests read. */
export interface SceneNode {
  readonly marktype?: string;
  readonly role?: string;
  readonly name?: string;
  readonly items?: readonly SceneNode[];
}

/**
 * Items drawn per named mark, summed over every instance of the mark (a
 * colour-grouped line is one mark per series). Keys are Vega-Lite unit names:
 * Vega calls the mark of unit `heat_m1` `heat_m1_marks`.
 */
export function countMarkItems(root: SceneNode): Record<string, number> {
  const counts: Record<string, number> = {};
  const visit = (node: SceneNode): void => {
    if (node.marktype !== undefined && node.marktype !== 'group' && node.role === 'mark' && node.name?.endsWith('_marks')) {
      const key = node.name.slice(0, -'_marks'.length);
      counts[key] = (counts[key] ?? 0) + (node.items?.length ?? 0);
    }
    for (const item of node.items ?? []) {
      // Group items hold their child marks in `items` too.
      if (item.items !== undefined && item.marktype === undefined) for (const child of item.items) visit(child);
      else if (item.marktype !== undefined) visit(item);
    }
  };
  visit(root);
  return counts;
}

/**
 * A synthetic model on n points of [0, 1]²: truth = 1 + x1 + x2², relative
 * error σ_rel(x) = rel·(1 + x1), and — with `sigma` — the learned σ equal to
 * the true one, so the pulls are exactly a unit Gaussian sample.
 */
export function syntheticModel(label: string, n: number, rel: number, seed: number, sigma: boolean): ModelInput {
  const rng = new Rng(seed);
  const x = new Float64Array(2 * n);
  const truth = new Float64Array(n);
  const pred = new Float64Array(n);
  const s = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const x1 = rng.uniform();
    const x2 = rng.uniform();
    x[2 * i] = x1;
    x[2 * i + 1] = x2;
    truth[i] = 1 + x1 + x2 * x2;
    s[i] = rel * (1 + x1) * truth[i];
    pred[i] = truth[i] + s[i] * rng.normal();
  }
  return {
    label,
    dir: `/synthetic/${label}`,
    modelType: 'skdnn',
    inputs: ['x1', 'x2'],
    parameterCount: 1234,
    modelBytes: 5678,
    training: { bestEpoch: 3, epochsRun: 4, stoppedBecause: 'synthetic', seconds: 1 },
    split: 'test',
    metrics: null,
    taus: [1, 0.1],
    history: [1, 2, 3, 4].map((epoch) => ({ epoch, trainLoss: 1 / epoch, valLoss: 1.1 / epoch, valR2: 1 - 0.1 / epoch, lr: 1e-3 / epoch, elapsedS: epoch })),
    x,
    truth,
    pred,
    sigma: sigma ? s : null,
    speed: null,
  };
}
