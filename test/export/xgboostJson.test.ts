// The XGBoost JSON export against XGBoost itself: a small bdt trained on the
// shipped zz2d sample is exported, loaded by XGBoost 1.7 (Debian's
// python3-xgboost, through /usr/bin/python3) and asked to predict the test
// split; XGBoost's predictions, with the inverse transform recorded in the
// export applied where there is one, must agree with ampfit's own to 1e-5
// relative on at least 99.99 % of the points (float32 leaves and a float32 sum
// cost ~1e-7; a wrong decision anywhere would cost far more). XGBoost must be
// installed: without it the test fails and says how to install it (CI does).

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

import { validateConfig } from '../../src/config/load.js';
import { loadDataset, takeRows } from '../../src/data/dataset.js';
import { resolveDataFiles } from '../../src/data/files.js';
import { splitRows } from '../../src/data/split.js';
import { exportXgboostJson, f32String, xgboostExportInfo } from '../../src/export/xgboostJson.js';
import type { ModelHeader } from '../../src/io/modelStore.js';
import { getKernels } from '../../src/kernels/index.js';
import { GbdtRegressor } from '../../src/models/gbdt/index.js';
import { loadModel, Surrogate } from '../../src/models/surrogate.js';
import { TargetTransform, type TargetTransformJSON } from '../../src/transforms/target.js';
import { PARAMS } from '../models/gbdt/helpers.js';
import { runTraining } from '../../src/training/run.js';
import { memoryLogger } from '../../src/util/log.js';
import { Rng } from '../../src/util/rng.js';
import { SAMPLE_2D, tempDir } from '../helpers.js';
import { writeSyntheticModel } from '../support/syntheticModel.js';

const PYTHON = process.env.AMPFIT_TEST_PYTHON ?? '/usr/bin/python3';
const AGREE_REL = 1e-5;
const AGREE_FRACTION = 0.9999;

// Loads the export, predicts x (raw float64, n × d) with predict(DMatrix(x)),
// writes float64 copies of the predictions, and re-saves the model as XGBoost
// itself writes it (to check what it read).
const PEER = `
import sys, json
try:
    import numpy as np
    import xgboost as xgb
except Exception as e:
    print("NO_XGBOOST: %s" % e)
    sys.exit(3)
model, xfile, d, out, resaved = sys.argv[1:6]
b = xgb.Booster(model_file=model)
x = np.fromfile(xfile, dtype="<f8").reshape(-1, int(d))
p = b.predict(xgb.DMatrix(x))
np.asarray(p, dtype="<f8").tofile(out)
b.save_model(resaved)
print(json.dumps({"version": xgb.__version__, "dtype": str(p.dtype), "attrs": b.attributes()}))
`;

interface PeerResult {
  version: string;
  dtype: string;
  attrs: Record<string, string>;
}

function runXgboost(dir: string, modelFile: string, x: Float64Array, d: number): { pred: Float64Array; resaved: XgbJson; peer: PeerResult } {
  const xfile = join(dir, 'x.f64');
  const out = join(dir, 'pred.f64');
  const resaved = join(dir, 'resaved.json');
  writeFileSync(xfile, Buffer.from(x.buffer, x.byteOffset, x.byteLength));
  const r = spawnSync(PYTHON, ['-c', PEER, modelFile, xfile, String(d), out, resaved], { encoding: 'utf8' });
  if (r.error !== undefined || r.status === 3) {
    assert.fail(
      `XGBoost is needed to test the XGBoost export, and '${PYTHON}' cannot import it ` +
        `(${r.error?.message ?? r.stdout.trim()}). Install it with: sudo apt-get install python3-xgboost ` +
        '(CI installs it; AMPFIT_TEST_PYTHON names another python that has xgboost).',
    );
  }
  assert.equal(r.status, 0, `XGBoost failed on the export:\n${r.stderr}`);
  const b = readFileSync(out);
  return {
    pred: new Float64Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)),
    resaved: JSON.parse(readFileSync(resaved, 'utf8')) as XgbJson,
    peer: JSON.parse(r.stdout.trim().split('\n').pop()!) as PeerResult,
  };
}

interface XgbTree {
  split_conditions: number[];
  split_indices: number[];
  left_children: number[];
  right_children: number[];
  base_weights: number[];
}
interface XgbJson {
  learner: {
    attributes: Record<string, string>;
    gradient_booster: { model: { trees: XgbTree[] } };
    learner_model_param: { base_score: string };
  };
}

/** The physical prediction from XGBoost's output t, using only what the export recorded. */
function invert(t: number, a: Record<string, string>): number {
  if (a.ampfit_output === 'physical') return t;
  const shift = Number(a.ampfit_transform_shift);
  const scale = Number(a.ampfit_transform_scale);
  switch (a.ampfit_transform_kind) {
    case 'log':
    case 'log-standardize':
      return Math.exp(t * scale + shift);
    case 'asinh-standardize':
      return Number(a.ampfit_transform_unit) * Math.sinh(t * scale + shift);
    default:
      throw new Error(`unexpected transform ${a.ampfit_transform_kind}`);
  }
}

async function trainAndExport(transform: 'standardize' | 'log-standardize') {
  const dir = tempDir();
  const config = validateConfig(
    {
      data: { files: SAMPLE_2D, target: 'f01', born: 'f00', max_rows: 20000 },
      model_type: 'bdt', max_depth: 8, learning_rate: 0.1, n_estimators: 150, seed: 5, target_transform: transform,
    },
    join(dir, 'config'),
  );
  await runTraining({ config, outDir: join(dir, 'm'), log: memoryLogger() });
  const model = loadModel(join(dir, 'm'));
  const json = exportXgboostJson(model);
  const file = join(dir, 'model.json');
  writeFileSync(file, json);
  // The test split, as training made it.
  const data = await loadDataset({
    files: resolveDataFiles(SAMPLE_2D), inputs: null, target: 'f01', born: 'f00', requirePositiveTarget: true, skipBadRows: false, maxRows: 20000,
  });
  const split = splitRows(data.n, config.seed, { test: config.test_fraction, validation: config.validation_fraction });
  const x = takeRows(data.x, data.d, split.test);
  const n = split.test.length;
  const ours = model.predict(x, n);
  const xg = runXgboost(dir, file, x, data.d);
  assert.equal(xg.pred.length, n);
  const attrs = (JSON.parse(json) as XgbJson).learner.attributes;
  let agree = 0;
  let maxRel = 0;
  for (let i = 0; i < n; i++) {
    const rel = Math.abs(invert(xg.pred[i], attrs) - ours[i]) / Math.abs(ours[i]);
    if (rel <= AGREE_REL) agree++;
    if (!(rel <= maxRel)) maxRel = rel;
  }
  const fraction = agree / n;
  process.stdout.write(
    `XGBoost ${xg.peer.version} vs ampfit, ${transform}: ${n} test points, ${(100 * fraction).toFixed(3)} % agree to ${AGREE_REL} relative, ` +
      `max relative difference ${maxRel.toExponential(3)}; ${(json.length / 1e6).toFixed(2)} MB of JSON\n`,
  );
  return { model, json, xg, attrs, fraction, maxRel };
}

test('XGBoost JSON export, standardize folded in: XGBoost predicts the Born ratio as ampfit does', async () => {
  const { model, json, xg, attrs, fraction, maxRel } = await trainAndExport('standardize');
  assert.ok(fraction >= AGREE_FRACTION, `only ${(100 * fraction).toFixed(3)} % of points agree to ${AGREE_REL} (max relative difference ${maxRel})`);
  assert.equal(attrs.ampfit_output, 'physical');
  assert.equal(attrs.ampfit_transform_folded, 'true');
  assert.deepEqual(JSON.parse(attrs.ampfit_inputs), ['x1', 'x2']);
  assert.equal(attrs.ampfit_target, 'f01');
  assert.equal(attrs.ampfit_born, 'f00');
  // XGBoost keeps the attributes and reads every float as the float32 we meant.
  assert.equal(xg.peer.attrs.ampfit_output, 'physical');
  const ours = (JSON.parse(json) as XgbJson).learner;
  const theirs = xg.resaved.learner;
  assert.equal(Math.fround(Number(theirs.learner_model_param.base_score)), Math.fround(Number(ours.learner_model_param.base_score)));
  const a = ours.gradient_booster.model.trees;
  const b = theirs.gradient_booster.model.trees;
  assert.equal(b.length, a.length);
  assert.equal(a.length, model.header.regressor.n_trees);
  for (let k = 0; k < a.length; k++) {
    for (const key of ['split_conditions', 'base_weights'] as const) {
      assert.deepEqual(b[k][key].map(Math.fround), a[k][key].map(Math.fround), `tree ${k} ${key}`);
    }
    for (const key of ['split_indices', 'left_children', 'right_children'] as const) assert.deepEqual(b[k][key], a[k][key], `tree ${k} ${key}`);
  }
  assert.equal(xgboostExportInfo(model).output, 'physical');
});

test('XGBoost JSON export, log-standardize: XGBoost predicts the transformed target, the recorded inverse gives ampfit\'s prediction', async () => {
  const { model, xg, attrs, fraction, maxRel } = await trainAndExport('log-standardize');
  assert.ok(fraction >= AGREE_FRACTION, `only ${(100 * fraction).toFixed(3)} % of points agree to ${AGREE_REL} (max relative difference ${maxRel})`);
  assert.equal(attrs.ampfit_output, 'transformed');
  assert.equal(attrs.ampfit_transform_kind, 'log-standardize');
  const t = model.header.target.transform;
  assert.equal(Number(attrs.ampfit_transform_shift), t.shift);
  assert.equal(Number(attrs.ampfit_transform_scale), t.scale);
  assert.match(attrs.ampfit_inverse, /^y = exp\(/);
  assert.equal(xg.peer.attrs.ampfit_transform_kind, 'log-standardize');
  const info = xgboostExportInfo(model);
  assert.equal(info.output, 'transformed');
  assert.match(info.notes[0], /transformed target/);
});

test('f32String: the decimal reads back as the same float32', () => {
  const rng = new Rng(3);
  const check = (v: number): void => {
    const s = f32String(v);
    assert.equal(Math.fround(Number(s)), Math.fround(v), `${v} → ${s}`);
    assert.doesNotThrow(() => JSON.parse(s));
  };
  for (const v of [0, -0, 1, -1, 0.1, 1e-30, 3.4e38, 1.17549435e-38, 1e-45, 240000, 0.5, 123456789]) check(v);
  for (let i = 0; i < 20000; i++) check((rng.uniform() - 0.5) * 10 ** (rng.int(20) - 10));
  for (let i = 0; i < 2000; i++) {
    // Random float32 bit patterns (finite).
    const f = new Float32Array(new Uint32Array([rng.nextUint32()]).buffer)[0];
    if (Number.isFinite(f)) check(f);
  }
});

test('export of a hand-made stump: linear transforms folded into leaves, base weights, gains and base_score; others recorded', () => {
  // Root: x0 < 0.5 → leaf 1 (−0.1) else leaf 2 (+0.2); eta 0.5, so the root's unshrunk weight is value/eta.
  const forest = {
    nFeatures: 2, baseScore: 0.5, treeOffset: Int32Array.from([0, 3, 4]), feature: Uint16Array.from([0, 0, 0, 0]),
    threshold: Float32Array.from([0.5, 0, 0, 0]), left: Int32Array.from([1, -1, -1, -1]), right: Int32Array.from([2, -1, -1, -1]),
    value: Float64Array.from([0.05, -0.1, 0.2, 0.03]), cover: Float32Array.from([10, 4, 6, 10]), gain: Float32Array.from([1.5, 0, 0, 0]),
  };
  const params = { ...PARAMS, learningRate: 0.5 };
  const surrogate = (transform: TargetTransformJSON, born: string | null = 'f00'): Surrogate => {
    const header = {
      inputs: ['x1', 'x2'], target: { column: 'f01', born, transform, require_positive: true },
      provenance: { ampfit_version: '0.0.1' }, config: { name: 'stump' },
    } as unknown as ModelHeader;
    return new Surrogate(header, new GbdtRegressor(forest, params, getKernels('typescript')), TargetTransform.fromJSON(transform));
  };
  const parse = (s: Surrogate) => (JSON.parse(exportXgboostJson(s)) as XgbJson & { learner: { learner_model_param: Record<string, string> } }).learner;

  const std = parse(surrogate({ kind: 'standardize', shift: 2, scale: 3 }));
  assert.equal(Number(std.learner_model_param.base_score), Math.fround(2 + 3 * 0.5));
  const [t0, t1] = std.gradient_booster.model.trees as Array<XgbTree & { loss_changes: number[]; sum_hessian: number[]; parents: number[] }>;
  assert.deepEqual(t0.split_conditions, [0.5, Math.fround(-0.3), Math.fround(0.6)].map((v) => Number(f32String(v))));
  assert.deepEqual(t0.base_weights, [Math.fround(0.3), Math.fround(-0.3), Math.fround(0.6)].map((v) => Number(f32String(v))));
  assert.deepEqual(t0.loss_changes, [13.5, 0, 0]);
  assert.deepEqual(t0.sum_hessian, [10, 4, 6]);
  assert.deepEqual(t0.parents, [2147483647, 0, 0]);
  assert.deepEqual(t0.left_children, [1, -1, -1]);
  assert.deepEqual(t0.right_children, [2, -1, -1]);
  // A lone root keeps its unshrunk weight as base weight (XGBoost's InitRoot).
  assert.deepEqual(t1.split_conditions, [Number(f32String(0.09))]);
  assert.deepEqual(t1.base_weights, [Number(f32String(0.18))]);
  assert.equal(std.attributes.ampfit_output, 'physical');
  assert.equal(std.attributes.ampfit_name, 'stump');
  assert.equal(std.attributes.ampfit_version, '0.0.1');

  const none = parse(surrogate({ kind: 'none', shift: 0, scale: 1 }, null));
  assert.equal(Number(none.learner_model_param.base_score), 0.5);
  assert.equal(none.attributes.ampfit_born, undefined, 'no empty attributes (XGBoost\'s Python attributes() fails on them)');

  for (const t of [{ kind: 'log', shift: 0, scale: 1 }, { kind: 'asinh-standardize', shift: 0.5, scale: 2, unit: 0.07 }] as const) {
    const l = parse(surrogate(t));
    assert.equal(l.attributes.ampfit_output, 'transformed');
    assert.equal(Number(l.learner_model_param.base_score), 0.5, 'the transformed-space base score');
    assert.deepEqual(l.gradient_booster.model.trees[0].split_conditions, [0.5, Math.fround(-0.1), Math.fround(0.2)].map((v) => Number(f32String(v))));
    if (t.kind === 'asinh-standardize') {
      assert.equal(Number(l.attributes.ampfit_transform_unit), 0.07);
      assert.equal(l.attributes.ampfit_inverse, "y = 0.07*sinh(0.5 + 2*t), t = XGBoost's prediction");
    }
  }
  assert.throws(
    () => {
      const dir = join(tempDir(), 'skdnn');
      writeSyntheticModel(dir, { regressor: { type: 'skdnn', network: { inputDim: 2, depth: 1, width: 4 } }, transform: { kind: 'standardize', shift: 0, scale: 1 }, born: null, seed: 1 });
      return exportXgboostJson(loadModel(dir));
    },
    /needs a boosted-trees model \(model_type "bdt"\); this model is 'skdnn'/,
  );
});
