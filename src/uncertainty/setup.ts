// From a run config to the pieces src/models/neural.ts plugs into its
// training job: the two-output network, the Objective the Trainer minimises
// (fresh or resumed), and after training the calibrated UncertainRegressor.

import type { RunConfig } from '../config/schema.js';
import type { TrainData } from '../models/regressor.js';
import type { Objective } from '../nn/objective.js';
import { AmpfitError } from '../util/errors.js';
import type { TrainableNetwork } from '../nn/trainable.js';
import type { Logger } from '../util/log.js';
import type { Rng } from '../util/rng.js';
import { fitSigmaScale } from './calibration.js';
import { evenlySpacedRows } from '../data/dataset.js';
import { HEAD_OUTPUTS } from './gaussian.js';
import { BayesObjective, MemberObjective } from './objectives.js';
import { bayesRegressor, memberRegressor, type UncertainRegressor, type UncertaintySpec } from './regressor.js';

type UncertaintyConfig = Pick<
  RunConfig,
  'uncertainty' | 'bnn_prior_width' | 'bnn_last_layer_only' | 'bnn_samples' | 'ensemble_members' | 'ensemble_beta' | 'calibrate_sigma' | 'seed'
>;

/** Output width of the network a run trains, of any family: 2, the (mean, log σ²) head, when it learns uncertainties. */
export function networkOutputs(c: Pick<RunConfig, 'uncertainty'>): number {
  return c.uncertainty === 'none' ? 1 : HEAD_OUTPUTS;
}

/**
 * The objective factory for Trainer and Trainer.resume, or undefined for
 * paper 1's MSE. Given the trainer's (already initialised) network; extra
 * ensemble members are Glorot-initialised and BNN weights sampled from forks
 * of parent.fork('uncertainty'). For 'none' parent is not touched, so the
 * MSE path draws exactly the random numbers it always did.
 */
export function uncertaintyObjective(c: UncertaintyConfig, nTrain: number, parent: Rng): ((net: TrainableNetwork) => Objective) | undefined {
  if (c.uncertainty === 'none') return undefined;
  const rng = parent.fork('uncertainty');
  switch (c.uncertainty) {
    case 'heteroscedastic':
      return (net) => new MemberObjective('heteroscedastic', [net], 0);
    case 'ensemble':
      return (net) => {
        const members = [net];
        for (let i = 1; i < c.ensemble_members; i++) members.push(net.spawn(rng.fork(`member${i}`)));
        return new MemberObjective('ensemble', members, c.ensemble_beta ?? 1 / nTrain);
      };
    case 'bnn':
      return (net) => new BayesObjective(net, { priorWidth: c.bnn_prior_width, lastLayerOnly: c.bnn_last_layer_only, nTrain }, rng.fork('bnn-sampling'));
  }
}

/** For the training log: "bnn, prior width 1, last layer only, 50 samples". */
export function describeUncertainty(c: UncertaintyConfig): string {
  switch (c.uncertainty) {
    case 'none':
    case 'heteroscedastic':
      return c.uncertainty;
    case 'ensemble':
      return `ensemble of ${c.ensemble_members}, repulsion β ${c.ensemble_beta ?? '1/N_train'}`;
    case 'bnn':
      return `bnn, prior width ${c.bnn_prior_width}${c.bnn_last_layer_only ? ', last layer only' : ''}, ${c.bnn_samples} samples`;
  }
}

/** The trained model of an uncertainty objective (its current params), calibrated on the training set when the config asks. */
export function uncertainRegressorOf(objective: Objective, c: UncertaintyConfig, data: TrainData, log: Logger): UncertainRegressor {
  let model: UncertainRegressor;
  if (objective instanceof MemberObjective) {
    const nets = objective.members;
    const spec: UncertaintySpec = objective.name === 'ensemble'
      ? { method: 'ensemble', sigma_scale: 1, members: nets.length }
      : { method: 'heteroscedastic', sigma_scale: 1 };
    model = memberRegressor(nets[0], spec, nets.map((_, i) => objective.memberParams(i)));
  } else if (objective instanceof BayesObjective) {
    const spec: UncertaintySpec = {
      method: 'bnn', sigma_scale: 1, prior_width: c.bnn_prior_width, last_layer_only: c.bnn_last_layer_only,
      bayes_start: objective.start, samples: c.bnn_samples, sample_seed: c.seed,
    };
    model = bayesRegressor(objective.net, spec, objective.mu, objective.rho);
  } else {
    throw new AmpfitError(`objective '${objective.name}' learns no uncertainty`);
  }
  if (!c.calibrate_sigma) return model;
  const rows = evenlySpacedRows(data.xTrain, data.yTrain, data.d, CALIBRATION_ROWS);
  const s = fitSigmaScale(model, rows.x, rows.y, data.d);
  const used = rows.y.length === data.yTrain.length ? `the ${data.yTrain.length}` : `${rows.y.length} evenly spaced of the ${data.yTrain.length}`;
  log.info(`calibration: σ_syst scaled by ${s.toPrecision(4)} (minimum of the heteroscedastic NLL on ${used} training points)`);
  return model.withSigmaScale(s);
}

/**
 * The scale is one number: 20 000 points fix it to about 0.5 % (the relative
 * error of a mean of t² is √(2/n)), while every point costs a prediction per
 * weight vector — a BNN of 128 samples spent 44 s on 70 000 rows, past its
 * time budget.
 */
const CALIBRATION_ROWS = 20_000;
