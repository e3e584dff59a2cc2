// Paper 2's architectures on the general layer executor: MLP with fixed or
// learnable rational activations (GroupKAN), KAN, Deep Sets (DS, DSI).

export { buildChain, describeArch, parseArchConfig, type ActivationSpec, type ArchConfig } from './config.js';
export { LayerNet } from './layerNet.js';
export { fitRational, type RationalFit } from './rationalInit.js';
