// Paper 2's architectures (ArchConfig) as network plans for the one executor
// (src/nn/network.ts). Names, parameter order and random streams are those
// the architectures always had, so model files and seeds keep their meaning:
// a layer's parameters are drawn from rng.fork(layer name), an embedding's
// from rng.fork('embed').fork('embed.<type>').fork(layer name).

import type { Kernels } from '../../kernels/types.js';
import { kanFeatures } from '../../kernels/kan.js';
import { LINEAR } from '../config.js';
import { Network } from '../network.js';
import { PlanBuilder, type NetworkPlan, type UnstackPart } from '../plan.js';
import { parseArchConfig, type ActivationSpec, type ArchConfig, type DeepSetsConfig } from './config.js';
import { fitRational } from './rationalInit.js';

/** Columns of a particle's four-momentum. */
const MOMENTUM = 4;

/** `width` activations of a dense map of `input`: fused into it when fixed, a rational op after a linear one when learnable. */
function denseActivated(b: PlanBuilder, name: string, input: number, width: number, act: ActivationSpec, scope: readonly string[]): number {
  if (act.kind === 'fixed') return b.dense(name, input, width, act.activation, true, -1, { kind: 'glorot', stream: [...scope, name] });
  const block = fitRational(act.init.name, act.init.param, act.degP, act.degQ, act.range).coef;
  const h = b.dense(name, input, width, LINEAR, true, -1, { kind: 'glorot', stream: [...scope, name] });
  const rational = `${name}.rational`;
  return b.rational(rational, h, act.groups, act.degP, act.degQ, { block, stream: [...scope, rational] });
}

/** depth activated dense layers, then the linear output layer. */
function mlp(b: PlanBuilder, prefix: string, input: number, depth: number, width: number, act: ActivationSpec, outputs: number): number {
  let x = input;
  for (let l = 1; l <= depth; l++) x = denseActivated(b, `${prefix}dense${l}`, x, width, act, []);
  const name = `${prefix}output`;
  return b.dense(name, x, outputs, LINEAR, true, -1, { kind: 'glorot', stream: [name] });
}

/** A KAN layer: the feature expansion, then a bias-free dense map of it. */
function kan(b: PlanBuilder, name: string, input: number, nOut: number, grid: number, lo: number, hi: number): number {
  const f = b.kanExpand(`${name}.expand`, input, grid, lo, hi);
  return b.dense(name, f, nOut, LINEAR, false, -1, { kind: 'kan', per: kanFeatures(grid), stream: [name] });
}

/**
 * The Deep Sets embedding of paper 2: one small network per particle type,
 * applied to every particle of that type (shared weights: its k particles are
 * stacked as k rows per event, so its gradients sum over them), the
 * embeddings in particle order, then any extra features (DSI's invariants).
 */
function embedding(b: PlanBuilder, c: DeepSetsConfig): number {
  const parts: UnstackPart[] = [];
  for (const type of new Set(c.particleTypes)) {
    const members = c.particleTypes.flatMap((t, q) => (t === type ? [q] : []));
    const first = b.nextOp;
    let h = b.stack(`embed.${type}.stack`, 0, members, MOMENTUM);
    for (let l = 1; l <= c.embedDepth; l++) h = denseActivated(b, `embed.${type}.dense${l}`, h, c.latent, c.activation, ['embed', `embed.${type}`]);
    parts.push({ buffer: h, members, first, last: b.nextOp - 1 });
  }
  return b.unstack('embed', 0, parts, c.latent, c.extras);
}

export function buildArchPlan(config: ArchConfig): NetworkPlan {
  const b = new PlanBuilder(config.inputDim);
  const outputs = config.outputs ?? 1;
  switch (config.type) {
    case 'mlp':
      mlp(b, '', 0, config.depth, config.width, config.activation, outputs);
      break;
    case 'kan': {
      const [lo, hi] = config.range;
      let x = 0;
      for (let l = 1; l <= config.depth; l++) x = kan(b, `kan${l}`, x, config.width, config.grid, lo, hi);
      kan(b, 'output', x, outputs, config.grid, lo, hi);
      break;
    }
    case 'ds':
      mlp(b, 'head.', embedding(b, config), config.depth, config.width, config.activation, outputs);
      break;
  }
  return b.finish();
}

/** A network of a paper 2 architecture (parameters unset: call init or set them). */
export function archNetwork(config: ArchConfig, kernels: Kernels): Network<ArchConfig> {
  return new Network(config, kernels, buildArchPlan(config));
}

/** Rebuilds from stored JSON (a snapshot's or a model file's config). */
export function restoreArchNetwork(value: unknown, kernels: Kernels): Network<ArchConfig> {
  return archNetwork(parseArchConfig(value, 'model.regressor.network'), kernels);
}
