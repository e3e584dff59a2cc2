// The architecture of an L-GATr network as plain JSON (stored in snapshots
// and model files) and its validation.

import { ConfigError } from '../../util/errors.js';

export interface LGATrConfig {
  readonly type: 'lgatr';
  /** 4 × particles: the scaled four-momenta, particle by particle. */
  readonly inputDim: number;
  /**
   * The token class of each particle (e.g. "g in", "a out"): particles of one
   * class are identical to the network (it is equivariant under permuting
   * them); the class enters as a one-hot scalar channel.
   */
  readonly particleClasses: readonly string[];
  /** Multivector channels of the residual stream. */
  readonly channels: number;
  /** Transformer blocks (attention + geometric MLP). */
  readonly blocks: number;
  readonly heads: number;
  /** Multivector channels per attention head. */
  readonly headChannels: number;
  /** Channels of the geometric product and, as many again, of the join in each MLP. */
  readonly bilinearChannels: number;
  /** 1, or 2 for a (mean, log σ²) head. */
  readonly outputs: number;
}

/** The distinct classes in order of first appearance: the one-hot channel order. */
export function classList(c: Pick<LGATrConfig, 'particleClasses'>): string[] {
  return [...new Set(c.particleClasses)];
}

export function describeLGATr(c: LGATrConfig): string {
  return (
    `L-GATr ${c.blocks} blocks × ${c.channels} multivector channels, ${c.heads} heads × ${c.headChannels}, ` +
    `${c.bilinearChannels}+${c.bilinearChannels} bilinear (${c.particleClasses.length} particles, ${classList(c).length} classes)`
  );
}

export function parseLGATrConfig(value: unknown, where: string): LGATrConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError(`${where}: expected an object`);
  const o = value as Record<string, unknown>;
  if (o.type !== 'lgatr') throw new ConfigError(`${where}.type: expected 'lgatr', got ${String(o.type)}`);
  const int = (k: string): number => {
    const v = o[k];
    if (!(typeof v === 'number' && Number.isInteger(v) && v >= 1)) throw new ConfigError(`${where}.${k}: expected a positive integer, got ${String(v)}`);
    return v;
  };
  const classes = o.particleClasses;
  if (!Array.isArray(classes) || classes.length < 2 || !classes.every((t) => typeof t === 'string' && t !== '')) {
    throw new ConfigError(`${where}.particleClasses: expected a list of at least 2 class names`);
  }
  const inputDim = int('inputDim');
  if (inputDim !== 4 * classes.length) throw new ConfigError(`${where}.inputDim: ${inputDim} is not 4 × ${classes.length} particles`);
  const outputs = o.outputs === undefined ? 1 : int('outputs');
  return {
    type: 'lgatr', inputDim, particleClasses: classes as string[], channels: int('channels'), blocks: int('blocks'),
    heads: int('heads'), headChannels: int('headChannels'), bilinearChannels: int('bilinearChannels'), outputs,
  };
}
