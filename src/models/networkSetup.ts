// How a run's network is assembled before the Trainer sees it: the family's
// network as it is; behind an input stage (periodic inputs, decay angles)
// with a harmonic head; and, for an angular model of a Born ratio, with the
// Born-shape term (src/nn/bornShapeObjective.ts), which needs the row's
// standardised ln Born as one extra, training-only input column.

import type { RunConfig } from '../config/schema.js';
import { resolveInputStage, stageWidth, type InputStageSpec } from '../features/angular.js';
import type { Kernels } from '../kernels/types.js';
import { BornShapeObjective } from '../nn/bornShapeObjective.js';
import { Network } from '../nn/network.js';
import type { Objective } from '../nn/objective.js';
import { innerOutputs, StructuredNetwork, zeroHeadOutputs, type BornShapeSpec } from '../nn/structuredNetwork.js';
import type { TrainableNetwork } from '../nn/trainable.js';
import type { TrainingData } from '../nn/trainer.js';
import { TargetTransform } from '../transforms/target.js';
import { AmpfitError } from '../util/errors.js';
import { networkOutputs } from '../uncertainty/setup.js';
import type { Rng } from '../util/rng.js';
import type { FitContext, TrainData } from './regressor.js';

export interface NetworkSetup {
  readonly trainingData: TrainingData;
  /** A new, initialised network for this run. */
  create(rng: Rng): TrainableNetwork;
  /** The objective on the trainer's network, or undefined for the MSE. */
  readonly objective: ((net: TrainableNetwork) => Objective) | undefined;
  /** What the loss is, for the log (null: the plain MSE). */
  readonly lossNote: string | null;
  /** The network the model keeps, from the one trained. */
  final(trained: TrainableNetwork): TrainableNetwork;
}

type Create = (config: RunConfig, inputDim: number, kernels: Kernels, rng: Rng, outputs?: number) => TrainableNetwork;

export function networkSetup(create: Create, config: RunConfig, data: TrainData, ctx: FitContext, kernels: Kernels): NetworkSetup {
  const plainData: TrainingData = { xTrain: data.xTrain, yTrain: data.yTrain, xVal: data.xVal, yVal: data.yVal, wTrain: data.wTrain ?? null, wVal: data.wVal ?? null };
  const stage = resolveInputStage(config, ctx.inputNames);
  if (stage === null) {
    return { trainingData: plainData, create: (rng) => create(config, data.d, kernels, rng, networkOutputs(config)), objective: undefined, lossNote: null, final: (n) => n };
  }
  const weight = config.angular?.born_shape_weight ?? 0;
  const bornTrain = data.bornTrain ?? null;
  const bornVal = data.bornVal ?? null;
  const useBorn = stage.angular !== null && weight > 0 && bornTrain !== null && bornVal !== null;
  const born = useBorn ? fitBornShape(bornTrain, data.d) : null;
  const trainStage: InputStageSpec = born === null ? stage : { ...stage, inputDim: data.d + 1 };
  const build = (rng: Rng): TrainableNetwork => {
    const inner = create(config, stageWidth(stage), kernels, rng, stage.angular === null ? networkOutputs(config) : innerOutputs(stage, born !== null));
    if (stage.angular !== null) {
      if (!(inner instanceof Network)) throw new AmpfitError(`angular: needs model_type dnn or skdnn, not '${config.model_type}'`);
      const layers = inner.layers();
      zeroHeadOutputs(layers[layers.length - 1]);
    }
    return new StructuredNetwork(trainStage, ctx.transform.toJSON(), inner, born);
  };
  if (born === null) return { trainingData: plainData, create: build, objective: undefined, lossNote: null, final: (n) => n };
  return {
    trainingData: {
      xTrain: withColumn(data.xTrain, data.d, bornTrain as Float64Array, born),
      yTrain: data.yTrain,
      xVal: withColumn(data.xVal, data.d, bornVal as Float64Array, born),
      yVal: data.yVal,
    },
    create: build,
    objective: (net) => {
      if (!(net instanceof StructuredNetwork)) throw new AmpfitError('the Born-shape objective needs an angular network');
      return new BornShapeObjective(net, weight);
    },
    lossNote: `MSE + ${weight} × Born-shape MSE`,
    final: (trained) => {
      if (!(trained instanceof StructuredNetwork)) throw new AmpfitError('the Born-shape objective needs an angular network');
      return new StructuredNetwork(stage, ctx.transform.toJSON(), trained.inner, null, true);
    },
  };
}

/** Standardisation of ln born on the training rows (the log-standardize transform's fit); the extra column is the last, index d. */
function fitBornShape(born: Float64Array, d: number): BornShapeSpec {
  const t = TargetTransform.fit('log-standardize', born);
  return { column: d, shift: t.shift, scale: t.scale };
}

function withColumn(x: Float64Array, d: number, born: Float64Array, spec: BornShapeSpec): Float64Array {
  const n = born.length;
  const out = new Float64Array(n * (d + 1));
  for (let r = 0; r < n; r++) {
    out.set(x.subarray(r * d, (r + 1) * d), r * (d + 1));
    out[r * (d + 1) + d] = (Math.log(born[r]) - spec.shift) / spec.scale;
  }
  return out;
}
