// Public API of the neural-network layer: network plans and their one executor
// (every family; paper 1's DNN and sk-DNN built here), their
// initialisation, Adam, learning-rate schedules and the trainer (MSE by
// default, or any Objective). Every
// numerical operation goes through an injected Kernels object.

export {
  DEFAULT_ACTIVATION, LINEAR, defaultActivationParam, describeNetwork, makeNetworkConfig, outputCount, parseNetworkConfig,
  type NetworkConfig, type NetworkConfigInput, type NetworkType,
} from './config.js';
export { buildPlan, countParameters, PlanBuilder, type DenseOp, type NetworkPlan, type PlanOp } from './plan.js';
export { Network, PREDICT_CHUNK_ROWS, predictChunkRows, type LayerView } from './network.js';
export { glorotUniform, initParameters } from './init.js';
export {
  learningRate, learningRateAtFraction, paperExponentialSchedule, parseScheduleConfig,
  type ConstantSchedule, type CosineSchedule, type ExponentialSchedule, type OneCycleSchedule,
  type PolynomialSchedule, type ScheduleConfig, type ScheduleKind,
} from './schedules.js';
export { Adam, ADAM_DEFAULTS, type AdamConfig, type AdamState } from './adam.js';
export { BatchStream, type BatchStreamState } from './batch-stream.js';
export { regressionMetrics, type RegressionMetrics } from './evaluate.js';
export { MseObjective, type Objective } from './objective.js';
export { decodeFloat64, encodeFloat64, type EncodedFloat64 } from './f64-codec.js';
export {
  Trainer, type EpochStats, type FinishSettings, type ResumeOptions, type StepInfo, type StopReason, type TrainerOptions,
  type TrainerRuntime, type TrainerSettings, type TrainerSnapshot, type TrainingData, type TrainResult,
} from './trainer.js';
export type { NetworkFactory, TrainableNetwork } from './trainable.js';
