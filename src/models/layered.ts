// Paper 2's architectures as model types — 'mlp' (fixed or rational
// activations: GroupKAN-g), 'kan' and 'ds' (Deep Sets; DSI with
// features: momenta+invariants) — trained by the same loop as dnn/skdnn
// (src/models/neural.ts), on the network executor (plans from src/nn/arch), with the
// same learned-uncertainty objectives (paper 2's BNN-DSI and RE-DSI).

import type { RunConfig } from '../config/schema.js';
import { defaultActivationParam } from '../nn/config.js';
import { archNetwork, describeArch, parseArchConfig, restoreArchNetwork, type ActivationSpec, type ArchConfig } from '../nn/arch/index.js';
import { AmpfitError } from '../util/errors.js';
import { neuralType, type NetworkFamily } from './neural.js';
import type { RegressorType } from './regressor.js';

function activationFor(c: RunConfig): ActivationSpec {
  if (c.activation !== 'rational') return { kind: 'fixed', activation: { name: c.activation, param: c.activation_param } };
  const [degP, degQ] = c.rational_degrees;
  return {
    kind: 'rational', groups: c.rational_groups, degP, degQ,
    init: { name: c.rational_init, param: defaultActivationParam(c.rational_init) }, range: c.rational_init_range,
  };
}

/** The architecture a run's config asks for, on inputDim features. */
export function archConfigFor(c: RunConfig, inputDim: number): ArchConfig {
  const activation = activationFor(c);
  switch (c.model_type) {
    case 'mlp':
      return parseArchConfig({ type: 'mlp', inputDim, depth: c.depth, width: c.width, activation }, 'config');
    case 'kan':
      return parseArchConfig({ type: 'kan', inputDim, depth: c.depth, width: c.width, grid: c.kan_grid, range: c.kan_range }, 'config');
    case 'ds': {
      const m = c.data.momenta;
      if (m === null) throw new AmpfitError("model_type 'ds' needs data.momenta");
      const particleTypes = m.particles.map((p) => p.type);
      return parseArchConfig(
        {
          type: 'ds', inputDim, particleTypes, extras: inputDim - 4 * particleTypes.length, latent: c.ds_latent,
          embedDepth: c.ds_embed_depth, depth: c.depth, width: c.width, activation,
        },
        'config',
      );
    }
    default:
      throw new AmpfitError(`not a layered model type: ${c.model_type}`);
  }
}

function family(type: 'mlp' | 'kan' | 'ds'): NetworkFamily {
  return {
    type,
    create(config, inputDim, kernels, rng, outputs = 1) {
      const arch = archConfigFor({ ...config, model_type: type }, inputDim);
      const net = archNetwork(outputs === 1 ? arch : { ...arch, outputs }, kernels);
      net.init(rng);
      return net;
    },
    restore: restoreArchNetwork,
    describe: (config) => describeArch(parseArchConfig(config, 'model.regressor.network')),
  };
}

export const mlpType: RegressorType = neuralType(family('mlp'));
export const kanType: RegressorType = neuralType(family('kan'));
export const dsType: RegressorType = neuralType(family('ds'));
