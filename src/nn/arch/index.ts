// Paper 2's architectures as network plans: MLP with fixed or learnable
// rational activations (GroupKAN), KAN, Deep Sets (DS, DSI).

export { describeArch, parseArchConfig, type ActivationSpec, type ArchConfig } from './config.js';
export { archNetwork, buildArchPlan, restoreArchNetwork } from './plan.js';
export { fitRational, type RationalFit } from './rationalInit.js';
