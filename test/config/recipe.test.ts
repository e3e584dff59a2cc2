import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadConfig, validateConfig } from '../../src/config/load.js';
import { BUDGET_DRIVEN_EPOCHS } from '../../src/config/recipe.js';
import type { RunConfig } from '../../src/config/schema.js';
import { REPO } from '../helpers.js';

const DATA = { files: 'x.csv', target: 'f01', born: 'f00' };
const cfg = (extra: Record<string, unknown>): RunConfig => validateConfig({ data: DATA, ...extra }, 'test');

/** Paper 1's settings, which were ampfit's defaults before issue 19. */
const PAPER1 = {
  activation: 'leaky_relu', activation_param: 0.3, target_transform: 'standardize', initial_lr: 1e-3, final_lr: 1e-6, lr_schedule: 'exponential',
  decay_epochs: 2500, lr_clock: 'epochs', steps_per_epoch: 4000, epochs: 2500, patience: 200, validation_fraction: 0.4, batch_size: 512,
  symmetry_mode: 'average', model_type: 'skdnn', depth: 9, width: 36, finish: null,
};
const pick = (c: RunConfig, keys: readonly string[]): Record<string, unknown> => Object.fromEntries(keys.map((k) => [k, (c as unknown as Record<string, unknown>)[k]]));

test('the default recipe is the best measured one: SiLU, log-standardised ratio, lr 3e-3 → 1e-6', () => {
  const c = cfg({});
  assert.equal(c.recipe, 'ampfit');
  assert.deepEqual(pick(c, ['activation', 'activation_param', 'target_transform', 'initial_lr', 'final_lr', 'lr_schedule', 'lr_clock', 'steps_per_epoch', 'epochs', 'decay_epochs', 'patience', 'symmetry_mode']), {
    activation: 'silu', activation_param: 0, target_transform: 'log-standardize', initial_lr: 3e-3, final_lr: 1e-6, lr_schedule: 'exponential',
    lr_clock: 'epochs', steps_per_epoch: 1000, epochs: 2500, decay_epochs: 2500, patience: 200, symmetry_mode: 'average',
  });
  // Targets that change sign, and angular models, get the log-like transform that has no log.
  assert.equal(cfg({ data: { ...DATA, require_positive_target: false } }).target_transform, 'asinh-standardize');
  assert.equal(cfg({ angular: { decays: [{ cos_theta: 'x3', phi: 'x4' }] } }).target_transform, 'asinh-standardize');
  // The user's keys win over the recipe's.
  const own = cfg({ activation: 'gelu', scaled: true, initial_lr: 1e-2, steps_per_epoch: null });
  assert.deepEqual(pick(own, ['activation', 'target_transform', 'initial_lr', 'steps_per_epoch']), { activation: 'gelu', target_transform: 'standardize', initial_lr: 1e-2, steps_per_epoch: null });
});

test('a time budget drives the schedule unless the user fixes epochs (or the clock)', () => {
  const budget = cfg({ time_budget_s: 60 });
  assert.deepEqual(pick(budget, ['lr_clock', 'epochs', 'time_budget_s']), { lr_clock: 'time', epochs: BUDGET_DRIVEN_EPOCHS, time_budget_s: 60 });
  const fixed = cfg({ time_budget_s: 60, epochs: 30 });
  assert.deepEqual(pick(fixed, ['lr_clock', 'epochs', 'decay_epochs']), { lr_clock: 'epochs', epochs: 30, decay_epochs: 30 });
  const clock = cfg({ time_budget_s: 60, lr_clock: 'epochs' });
  assert.deepEqual(pick(clock, ['lr_clock', 'epochs']), { lr_clock: 'epochs', epochs: 2500 });
  // Paper 1's recipe never lets the clock change by itself.
  assert.equal(cfg({ recipe: 'paper1', time_budget_s: 60 }).lr_clock, 'epochs');
});

test("recipe 'paper1' is exactly the old defaults; 'paper1-baseline' is paper 1's baseline", () => {
  assert.deepEqual(pick(cfg({ recipe: 'paper1' }), Object.keys(PAPER1)), PAPER1);
  assert.deepEqual(pick(cfg({ recipe: 'paper1', time_budget_s: 60 }), Object.keys(PAPER1)), PAPER1);
  const base = validateConfig({ recipe: 'paper1-baseline', data: { files: 'x.csv', target: 'f01' } }, 'test');
  assert.deepEqual(pick(base, ['target_transform', 'lr_schedule', 'initial_lr', 'final_lr', 'patience', 'validation_fraction', 'activation']), {
    target_transform: 'log', lr_schedule: 'constant', initial_lr: 1e-3, final_lr: 1e-3, patience: 10, validation_fraction: 0.2, activation: 'leaky_relu',
  });
  assert.throws(() => cfg({ recipe: 'paper1-baseline' }), /recipe 'paper1-baseline' regresses the raw target .*remove data\.born/);
  assert.throws(() => cfg({ recipe: 'paper2' }), /recipe: Invalid option: expected one of "ampfit"\|"paper1"\|"paper1-baseline"/);
});

test('a resolved config trains again as it is, whatever its recipe and model type', () => {
  for (const extra of [{}, { recipe: 'paper1' }, { time_budget_s: 60 }, { model_type: 'bdt', time_budget_s: 30 }, { model_type: 'bdt', recipe: 'paper1' }, { model_type: 'poly' }]) {
    const c = cfg(extra);
    const again = validateConfig(JSON.parse(JSON.stringify(c)) as Record<string, unknown>, 'saved config.json');
    assert.deepEqual(again, c, JSON.stringify(extra));
  }
  // A network key on a bdt still fails unless it holds this config's default.
  assert.throws(() => cfg({ model_type: 'bdt', activation: 'gelu' }), /activation: applies to model_type/);
  assert.doesNotThrow(() => cfg({ model_type: 'bdt', recipe: 'paper1', activation: 'leaky_relu' }));
});

test('the shipped examples keep meaning what they meant: each resolves as under the old defaults (recipe paper1)', () => {
  // zz4d.json is the quick start, written for the new defaults; every other example predates them.
  const OLD = ['ggyyg-best', 'ggyyg-dsi', 'zz2d-best', 'zz2d-bnn', 'zz2d-poly', 'zz2d-quick', 'zz4d-ampfit', 'zz4d-best', 'zz4d-paper', 'zz8d-best'];
  for (const name of OLD) {
    const file = join(REPO, 'examples', `${name}.json`);
    const now = loadConfig(file);
    const old = loadConfig(file, ['recipe=paper1']);
    assert.deepEqual({ ...now, recipe: 'paper1' }, old, name);
  }
  const quick = loadConfig(join(REPO, 'examples', 'zz4d.json'), ['time_budget_s=60']);
  assert.deepEqual(pick(quick, ['recipe', 'activation', 'target_transform', 'initial_lr', 'lr_clock', 'symmetry_mode']), {
    recipe: 'ampfit', activation: 'silu', target_transform: 'log-standardize', initial_lr: 3e-3, lr_clock: 'time', symmetry_mode: 'average',
  });
  assert.equal(quick.symmetries.length, 2);
  // A small network: in 60 s on one thread DNN 4-32 reached R_1 93 % where sk-DNN 9-36 took too few steps (24 %).
  assert.deepEqual(pick(quick, ['model_type', 'depth', 'width']), { model_type: 'dnn', depth: 4, width: 32 });
});
