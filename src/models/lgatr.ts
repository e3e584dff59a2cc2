// L-GATr (src/nn/lgatr) as the model type 'lgatr', trained by the same loop
// as every network (src/models/neural.ts). The config's depth is the number
// of transformer blocks and width the multivector channels of the residual
// stream; the heads split the width, and the geometric MLP gives half of it
// to the geometric product and half to the join.

import type { RunConfig } from '../config/schema.js';
import { describeLGATr, parseLGATrConfig, type LGATrConfig } from '../nn/lgatr/config.js';
import { LGATrNet } from '../nn/lgatr/network.js';
import { AmpfitError } from '../util/errors.js';
import { neuralType } from './neural.js';
import type { RegressorType } from './regressor.js';

/** The architecture a run's config asks for; the particle classes are (type, incoming or outgoing). */
export function lgatrConfigFor(c: RunConfig, inputDim: number): LGATrConfig {
  const m = c.data.momenta;
  if (m === null) throw new AmpfitError("model_type 'lgatr' needs data.momenta");
  // An incoming and an outgoing gluon are not interchangeable (crossing flips a momentum's sign), so direction is part of the class.
  const particleClasses = m.particles.map((p, i) => `${p.type} ${i < m.incoming ? 'in' : 'out'}`);
  return parseLGATrConfig(
    {
      type: 'lgatr', inputDim, particleClasses, channels: c.width, blocks: c.depth, heads: c.lgatr_heads,
      headChannels: c.width / c.lgatr_heads, bilinearChannels: c.width / 2,
    },
    'config',
  );
}

export const lgatrType: RegressorType = neuralType({
  type: 'lgatr',
  create(config, inputDim, kernels, rng, outputs = 1) {
    if (outputs !== 1) throw new AmpfitError("model_type 'lgatr' has one output; structured heads need dnn or skdnn");
    const net = new LGATrNet(lgatrConfigFor(config, inputDim), kernels);
    net.init(rng);
    return net;
  },
  restore: (config, kernels) => LGATrNet.fromJSON(config, kernels),
  describe: (config) => describeLGATr(parseLGATrConfig(config, 'model.regressor.network')),
});
