// The network description that round-trips as plain JSON (a saved model is
// this JSON plus the flat float64 parameter vector).
//
// Two families of paper 1, sorted in order of increasing complexity:
// - 'dnn'   `depth-width`: depth dense layers of `width` with the activation,
//           then a linear Dense(1).
// - 'skdnn' `blocks-width`: `depth` blocks y = g(h(x) + W x) with
//           h = Dense(w, g) → Dense(w, g) → Dense(w, linear), W a trainable
//           bias-free dense map when the block's input width differs from w and
//           the identity otherwise; then a linear Dense(1).

import { ACTIVATIONS, type Activation, type ActivationName } from '../kernels/types.js';
import { ConfigError } from '../util/errors.js';

export type NetworkType = 'dnn' | 'skdnn';

export interface NetworkConfig {
  readonly type: NetworkType;
  readonly inputDim: number;
  /** dnn: number of hidden dense layers; skdnn: number of blocks. */
  readonly depth: number;
  readonly width: number;
  readonly activation: Activation;
  /**
   * Width of the linear output layer; absent means 1 (paper 1's regressors).
   * Uncertainty models (src/uncertainty/) use 2: the mean and log σ². Kept
   * out of the JSON when 1, so configs of older models round-trip unchanged.
   */
  readonly outputs?: number;
}

/** Output width of a network config (absent = 1). */
export function outputCount(config: Pick<NetworkConfig, 'outputs'>): number {
  return config.outputs ?? 1;
}

/**
 * Default parameter per activation. leaky_relu uses Keras' LeakyReLU default
 * slope 0.3 (paper 1 trained with Keras), not PyTorch's 0.01; elu uses
 * alpha 1 (both frameworks). The others take no parameter and store 0.
 */
export function defaultActivationParam(name: ActivationName): number {
  switch (name) {
    case 'leaky_relu':
      return 0.3;
    case 'elu':
      return 1;
    default:
      return 0;
  }
}

export const DEFAULT_ACTIVATION: Activation = { name: 'leaky_relu', param: 0.3 };

/** The linear activation used for the output layer and the skip map W. */
export const LINEAR: Activation = { name: 'linear', param: 0 };

export interface NetworkConfigInput {
  readonly type: NetworkType;
  readonly inputDim: number;
  readonly depth: number;
  readonly width: number;
  /** A name (its default parameter is used) or a full activation; default leaky_relu(0.3). */
  readonly activation?: ActivationName | { readonly name: ActivationName; readonly param?: number };
  /** Output width; default 1. */
  readonly outputs?: number;
}

/** Fills defaults and checks ranges; throws ConfigError naming the bad key. */
export function makeNetworkConfig(input: NetworkConfigInput): NetworkConfig {
  return parseNetworkConfig(input);
}

/**
 * Validates an untrusted JSON value (e.g. from a model file or a run config)
 * and returns a normalised config. `where` prefixes error messages.
 */
export function parseNetworkConfig(value: unknown, where = 'model'): NetworkConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(`${where}: expected an object, got ${describe(value)}`);
  }
  const o = value as Record<string, unknown>;
  const type = o.type;
  if (type !== 'dnn' && type !== 'skdnn') {
    throw new ConfigError(`${where}.type: expected 'dnn' or 'skdnn', got ${describe(type)}`);
  }
  const inputDim = positiveInt(o.inputDim, `${where}.inputDim`);
  const depth = positiveInt(o.depth, `${where}.depth`);
  const width = positiveInt(o.width, `${where}.width`);
  const activation = parseActivation(o.activation, `${where}.activation`);
  const outputs = o.outputs === undefined ? 1 : positiveInt(o.outputs, `${where}.outputs`);
  return outputs === 1 ? { type, inputDim, depth, width, activation } : { type, inputDim, depth, width, activation, outputs };
}

function parseActivation(value: unknown, where: string): Activation {
  if (value === undefined) return DEFAULT_ACTIVATION;
  let name: unknown;
  let param: unknown;
  if (typeof value === 'string') {
    name = value;
  } else if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    name = (value as Record<string, unknown>).name;
    param = (value as Record<string, unknown>).param;
  } else {
    throw new ConfigError(`${where}: expected a name or {name, param}, got ${describe(value)}`);
  }
  if (typeof name !== 'string' || !(ACTIVATIONS as readonly string[]).includes(name)) {
    throw new ConfigError(`${where}.name: expected one of ${ACTIVATIONS.join(', ')}, got ${describe(name)}`);
  }
  const n = name as ActivationName;
  if (param === undefined) return { name: n, param: defaultActivationParam(n) };
  if (typeof param !== 'number' || !Number.isFinite(param)) {
    throw new ConfigError(`${where}.param: expected a finite number, got ${describe(param)}`);
  }
  return { name: n, param };
}

function positiveInt(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new ConfigError(`${where}: expected a positive integer, got ${describe(value)}`);
  }
  return value;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Paper notation, e.g. "sk-DNN 9-36 (4D, leaky_relu 0.3)". */
export function describeNetwork(config: NetworkConfig): string {
  const family = config.type === 'dnn' ? 'DNN' : 'sk-DNN';
  const act = config.activation;
  const actText = act.name === 'leaky_relu' || act.name === 'elu' ? `${act.name} ${act.param}` : act.name;
  return `${family} ${config.depth}-${config.width} (${config.inputDim}D, ${actText})`;
}
