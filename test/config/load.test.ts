import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { applyOverrides, loadConfig, validateConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/util/errors.js';
import { tempDir, writeText } from '../helpers.js';

const base = { data: { files: 'data/*.csv.gz', target: 'f01', born: 'f00' } };

test("recipe 'paper1' is paper 1's recipe (the defaults before issue 19; test/config/recipe.test.ts has the new ones)", () => {
  const c = validateConfig({ ...base, recipe: 'paper1' }, 'cfg');
  assert.equal(c.model_type, 'skdnn');
  assert.equal(c.depth, 9);
  assert.equal(c.width, 36);
  assert.equal(c.initial_lr, 1e-3);
  assert.equal(c.final_lr, 1e-6);
  assert.equal(c.batch_size, 512);
  assert.equal(c.steps_per_epoch, 4000);
  assert.equal(c.patience, 200);
  assert.equal(c.test_fraction, 0.2);
  assert.equal(c.validation_fraction, 0.4);
  assert.equal(c.target_transform, 'standardize');
  assert.equal(c.activation, 'leaky_relu');
  assert.equal(c.activation_param, 0.3);
  assert.deepEqual(c.taus, [1, 0.1, 0.01]);
  assert.equal(c.data.inputs, null);
});

test('unknown keys are rejected with a suggestion, nested ones too', () => {
  assert.throws(() => validateConfig({ ...base, patients: 10 }, 'cfg.json'), (e: Error) => {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, /invalid config cfg\.json/);
    assert.match(e.message, /patients: unknown key \(did you mean 'patience'\?\)/);
    return true;
  });
  assert.throws(() => validateConfig({ data: { ...base.data, bron: 'f00' } }, 'c'), /data\.bron: unknown key \(did you mean 'born'\?\)/);
});

test('bad values name the key', () => {
  assert.throws(() => validateConfig({ ...base, batch_size: 0 }, 'c'), /batch_size: /);
  assert.throws(() => validateConfig({ ...base, model_type: 'svm' }, 'c'), /model_type: /);
  assert.throws(() => validateConfig({ ...base, initial_lr: 1e-6, final_lr: 1e-3 }, 'c'), /final_lr \(0\.001\) must not exceed initial_lr/);
  assert.throws(() => validateConfig({ ...base, scaled: false, target_transform: 'standardize' }, 'c'), /scaled: false contradicts/);
  assert.throws(() => validateConfig({ data: { files: 'x' } }, 'c'), /data\.target: /);
  assert.throws(
    () => validateConfig({ ...base, target_transform: 'log', data: { ...base.data, require_positive_target: false } }, 'c'),
    /needs a positive target/,
  );
});

test("paper 1's `scaled` switch maps onto the target transform", () => {
  assert.equal(validateConfig({ ...base, scaled: false }, 'c').target_transform, 'none');
  assert.equal(validateConfig({ ...base, scaled: true }, 'c').target_transform, 'standardize');
});

test('overrides: JSON values, strings, dotted keys; file paths are relative to the config file', () => {
  const o = applyOverrides(base, ['width=72', 'activation=gelu', 'data.max_rows=100', 'taus=[1,0.5]']);
  const c = validateConfig(o, 'c');
  assert.equal(c.width, 72);
  assert.equal(c.activation, 'gelu');
  assert.equal(c.data.max_rows, 100);
  assert.deepEqual(c.taus, [1, 0.5]);
  assert.throws(() => applyOverrides(base, ['width']), /key=value/);

  const dir = tempDir();
  const path = writeText(dir, 'run.json', JSON.stringify(base));
  const loaded = loadConfig(path, ['seed=5']);
  assert.equal(loaded.data.files, join(dir, 'data/*.csv.gz'));
  assert.equal(loaded.seed, 5);
  assert.throws(() => loadConfig(writeText(dir, 'bad.json', '{"data": ')), /not valid JSON/);
});

test('bdt keys: XGBoost names, paper 1 defaults, aliases folded, bad values named before any work', () => {
  const c = validateConfig({ ...base, model_type: 'bdt' }, 'c');
  assert.equal(c.model_type, 'bdt');
  assert.equal(c.max_bin, 256);
  assert.equal(c.max_depth, 20);
  assert.equal(c.learning_rate, 0.01);
  assert.equal(c.min_child_weight, 1);
  assert.equal(c.lambda, 1);
  assert.equal(c.gamma, 0);
  assert.equal(c.subsample, 1);
  assert.equal(c.colsample_bytree, 1);
  assert.equal(c.n_estimators, 10000);
  assert.equal(c.early_stopping_rounds, 25);
  const a = validateConfig({ ...base, model_type: 'bdt', eta: 0.3, reg_lambda: 2, min_split_loss: 0.5 }, 'c');
  assert.deepEqual([a.learning_rate, a.lambda, a.gamma], [0.3, 2, 0.5]);
  assert.ok(!('eta' in a) && !('reg_lambda' in a) && !('min_split_loss' in a));
  assert.throws(() => validateConfig({ ...base, model_type: 'bdt', eta: 0.3, learning_rate: 0.1 }, 'c'), /eta: 0\.3 contradicts learning_rate: 0\.1/);
  const bad: Array<[Record<string, unknown>, RegExp]> = [
    [{ max_depth: 0 }, /max_depth: max_depth must be at least 1/],
    [{ max_depth: 51 }, /max_depth: max_depth must be at most 50/],
    [{ max_depth: 2.5 }, /max_depth: max_depth must be an integer/],
    [{ learning_rate: 0 }, /learning_rate: learning_rate \(eta\) must be greater than 0/],
    [{ learning_rate: 1.5 }, /learning_rate: learning_rate \(eta\) must be at most 1/],
    [{ eta: -1 }, /eta: eta must be greater than 0/],
    [{ subsample: 0 }, /subsample: subsample must be greater than 0/],
    [{ colsample_bytree: 1.1 }, /colsample_bytree: colsample_bytree must be at most 1/],
    [{ max_bin: 1 }, /max_bin: max_bin must be at least 2/],
    [{ max_bin: 70000 }, /max_bin: max_bin must be at most 65535/],
    [{ min_child_weight: -1 }, /min_child_weight: min_child_weight must be >= 0/],
    [{ lambda: -0.1 }, /lambda: lambda must be >= 0/],
    [{ gamma: -1 }, /gamma: gamma must be >= 0/],
    [{ n_estimators: 0 }, /n_estimators: /],
    [{ early_stopping_rounds: 0 }, /early_stopping_rounds: /],
    [{ max_dpeth: 3 }, /max_dpeth: unknown key \(did you mean 'max_depth'\?\)/],
  ];
  for (const [extra, re] of bad) {
    assert.throws(() => validateConfig({ ...base, model_type: 'bdt', ...extra }, 'c'), (e: Error) => e instanceof ConfigError && re.test(e.message), JSON.stringify(extra));
  }
});

test('issue 17: a key of another model type is an error with the reason; its default value (a saved config.json) is not', () => {
  const dir = tempDir();
  const minimal = { data: { files: "d", target: "f" } };
  const cfg = writeText(dir, 'lr.json', JSON.stringify({ ...minimal, model_type: 'skdnn', max_bin: 64 }));
  assert.throws(() => loadConfig(cfg), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, /max_bin: applies to model_type 'bdt', not 'skdnn', which would ignore it/);
    return true;
  });
  const trees = writeText(dir, 'bdt.json', JSON.stringify({ ...minimal, model_type: 'bdt', depth: 4, degree: 3 }));
  assert.throws(() => loadConfig(trees), /depth: applies to model_type 'dnn', 'skdnn', 'mlp', 'kan', 'ds', 'lgatr', not 'bdt'[^\n]*\n\s+degree: applies to model_type 'poly'/);
  // --set reaches the same check.
  assert.throws(() => loadConfig(writeText(dir, 'p.json', JSON.stringify(minimal)), ['ridge=1e-3']), /ridge: applies to model_type 'poly', not 'skdnn'/);
  // The resolved config a model directory keeps lists every key at its default: it trains again as it is.
  const saved = writeText(dir, 'saved.json', JSON.stringify({ ...loadConfig(writeText(dir, 'min.json', JSON.stringify(minimal))), model_type: 'skdnn' }));
  assert.equal(loadConfig(saved).model_type, 'skdnn');
});

test('issue 17: a key given twice in the config JSON is an error naming it', () => {
  const dir = tempDir();
  const cfg = writeText(dir, 'dup.json', '{ "data": { "files": "d", "target": "f" },\n  "width": 36,\n  "width": 72 }');
  assert.throws(() => loadConfig(cfg), (e: unknown) => {
    assert.ok(e instanceof ConfigError);
    assert.match(e.message, /key 'width' is given twice \(the second time at line 3, column 3\); JSON keeps only the last/);
    return true;
  });
  const nested = writeText(dir, 'dup2.json', '{ "data": { "files": "d", "target": "f", "target": "g" } }');
  assert.throws(() => loadConfig(nested), /key 'data\.target' is given twice/);
});

test('finish: defaults, and the combinations it cannot take are named', () => {
  const c = validateConfig({ ...base, model_type: 'dnn', time_budget_s: 600, finish: {} }, 'cfg');
  assert.deepEqual(c.finish, { method: 'levenberg-marquardt', share: 0.3, rows: null, patience: 20, max_iterations: null, cg_iterations: 50, cg_tolerance: 1e-4 });
  assert.equal(validateConfig(base, 'cfg').finish, null, 'off by default');
  const bad: [Record<string, unknown>, RegExp][] = [
    [{ finish: {} }, /finish\.share is a fraction of time_budget_s/],
    [{ finish: { share: null, patience: null } }, /never ends/],
    [{ time_budget_s: 60, uncertainty: 'heteroscedastic', finish: {} }, /finish cannot be combined with uncertainty: 'heteroscedastic'/],
    [{ time_budget_s: 60, finish: { share: 1 } }, /finish\.share: Too big/],
    [{ time_budget_s: 60, finish: { method: 'gauss-newton-cg', cg_iterations: 0 } }, /finish\.cg_iterations: Too small/],
    [{ time_budget_s: 60, finish: { method: 'gauss-newton-cg', cg_tolerance: 2 } }, /finish\.cg_tolerance: Too big/],
    [{ time_budget_s: 60, finish: { method: 'newton' } }, /finish\.method/],
    [{ time_budget_s: 60, model_type: 'bdt', finish: {} }, /finish: applies to model_type .*not 'bdt'/],
  ];
  for (const [extra, message] of bad) {
    assert.throws(() => validateConfig({ ...base, ...extra }, 'cfg'), (e: Error) => e instanceof ConfigError && message.test(e.message), JSON.stringify(extra));
  }
});

test('issue 19: names people guess mean the same key for the model type; both a name and its key is an error', () => {
  const base = { data: { files: 'd', target: 'f' } };
  const net = validateConfig({ ...base, model_type: 'skdnn', learning_rate: 3e-3, max_epochs: 40, early_stopping_patience: 7, n_jobs: 2 }, 'c');
  assert.deepEqual([net.initial_lr, net.epochs, net.patience, net.threads], [3e-3, 40, 7, 2]);
  assert.equal(validateConfig({ ...base, lr: 1e-2 }, 'c').initial_lr, 1e-2);
  const trees = validateConfig({ ...base, model_type: 'bdt', lr: 0.2, max_epochs: 50, early_stopping_patience: 9, nthread: 1 }, 'c');
  assert.deepEqual([trees.learning_rate, trees.n_estimators, trees.early_stopping_rounds, trees.threads], [0.2, 50, 9, 1]);
  // bdt reads learning_rate itself: not renamed.
  assert.equal(validateConfig({ ...base, model_type: 'bdt', learning_rate: 0.05 }, 'c').learning_rate, 0.05);
  assert.throws(() => validateConfig({ ...base, model_type: 'dnn', lr: 1e-3, initial_lr: 2e-3 }, 'c'), /'lr' and 'initial_lr' mean the same for model_type 'dnn'; give one of them/);
  // A name with no ampfit equivalent says what to use instead, rather than a far-fetched 'did you mean'.
  assert.throws(() => validateConfig({ ...base, model_type: 'skdnn', weight_decay: 1e-4 }, 'c'), /weight_decay: unknown key \(ampfit's Adam has no weight decay \(L2\) term; bdt's L2 penalty on leaf values is 'lambda'\)$/);
  assert.throws(() => validateConfig({ ...base, dropout: 0.1 }, 'c'), /dropout: unknown key \(networks have no dropout; early stopping/);
  assert.throws(() => validateConfig({ ...base, data: { ...base.data, weight_decay: 1 } }, 'c'), /data\.weight_decay: unknown key( \(did you mean '[a-z_]+'\?\))?$/);
});
