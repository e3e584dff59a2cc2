import { hostname } from 'node:os';
import { validateConfig } from '../../src/config/load.js';
import { saveModelDir, type ModelHeader } from '../../src/io/modelStore.js';
import { getKernels } from '../../src/kernels/index.js';
import { precisionMetrics } from '../../src/metrics/precision.js';
import { Network, glorotUniform, parseNetworkConfig, type NetworkConfigInput } from '../../src/nn/index.js';
import type { TargetTransformJSON } from '../../src/transforms/target.js';
import { Rng } from '../../src/util/rng.js';
import { AMPFIT_VERSION } from '../../src/util/version.js';
import { multiIndices } from '../../src/models/polynomial.js';
import type { SerializedRegressor } from '../../src/models/regressor.js';

// A model directory with random weights, written in the real format: for
// inference benchmarks and for export tests over many architectures,
// activations and target transforms, where training would only cost time.
// Networks get Glorot weights (the training initialisation, through the same
// network code) and, unlike training, non-zero biases, so that every
// activation sees both signs from the first layer on.

export type SyntheticRegressor =
  | { readonly type: 'dnn' | 'skdnn'; readonly network: Omit<NetworkConfigInput, 'type'> }
  | { readonly type: 'poly'; readonly d: number; readonly degree: number };

export interface SyntheticModel {
  readonly regressor: SyntheticRegressor;
  readonly transform: TargetTransformJSON;
  /** Born column name, or null for a model of the target itself. */
  readonly born: string | null;
  readonly seed: number;
  /** Standard deviation of the random biases (networks) or coefficients (poly). */
  readonly spread?: number;
}

function serialize(m: SyntheticModel, rng: Rng): { serialized: SerializedRegressor; d: number; count: number } {
  const r = m.regressor;
  const spread = m.spread ?? 0.5;
  if (r.type === 'poly') {
    const coef = new Float64Array(multiIndices(r.d, r.degree).length);
    for (let i = 0; i < coef.length; i++) coef[i] = spread * rng.normal();
    return { serialized: { spec: { type: 'poly', d: r.d, degree: r.degree }, arrays: { coef } }, d: r.d, count: coef.length };
  }
  const config = parseNetworkConfig({ ...r.network, type: r.type }, 'synthetic');
  const net = new Network(config, getKernels('typescript'));
  glorotUniform(net.plan, net.params, rng.fork('weights'));
  const biases = rng.fork('biases');
  for (const op of net.plan.ops) {
    if (op.kind === 'dense' && op.bOffset >= 0) for (let j = 0; j < op.nOut; j++) net.params[op.bOffset + j] = spread * biases.normal();
  }
  return { serialized: { spec: { type: r.type, network: config }, arrays: { params: net.params } }, d: config.inputDim, count: net.paramCount };
}

/** Writes model.ampfit and its JSON copies into dir; returns the header. */
export function writeSyntheticModel(dir: string, m: SyntheticModel): ModelHeader {
  const rng = new Rng(m.seed);
  const { serialized, d, count } = serialize(m, rng);
  const inputs = Array.from({ length: d }, (_, i) => `x${i + 1}`);
  const base = { data: { files: 'synthetic', target: 'f01', born: m.born }, seed: m.seed, target_transform: m.transform.kind };
  const config = validateConfig(
    m.regressor.type === 'poly'
      ? { ...base, model_type: 'poly', degree: m.regressor.degree }
      : {
          ...base,
          model_type: m.regressor.type,
          depth: m.regressor.network.depth,
          width: m.regressor.network.width,
          ...activationKeys(m.regressor.network.activation),
        },
    'synthetic model',
  );
  const one = new Float64Array([1]);
  const header: ModelHeader = {
    format: 'ampfit-model',
    regressor: serialized.spec,
    inputs,
    target: { column: 'f01', born: m.born, transform: m.transform, require_positive: false },
    parameter_count: count,
    training: { best_epoch: 0, epochs_run: 0, stopped_because: 'not trained: random weights', seconds: 0 },
    metrics: { test: null, validation: precisionMetrics(one, one, config.taus) },
    provenance: {
      ampfit_version: AMPFIT_VERSION,
      created: new Date().toISOString(),
      seed: m.seed,
      node: process.version,
      host: hostname(),
      backend: 'none',
      command: 'writeSyntheticModel',
      data_files: [],
      rows_read: 0,
      rows_skipped: 0,
      skipped_by_problem: {},
      split: { train: 0, validation: 0, test: 0 },
    },
    config,
  };
  saveModelDir(dir, header, serialized, []);
  return header;
}

function activationKeys(a: NetworkConfigInput['activation']): Record<string, unknown> {
  if (a === undefined) return {};
  if (typeof a === 'string') return { activation: a };
  return a.param === undefined ? { activation: a.name } : { activation: a.name, activation_param: a.param };
}
