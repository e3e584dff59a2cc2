import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { loadModel } from '../../src/models/surrogate.js';
import { REPO, SAMPLE_2D, tempDir, writeText } from '../helpers.js';

const BIN = join(REPO, 'bin/ampfit.js');

function ampfit(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

// One small model shared by the tests below: a degree-6 polynomial on 3000 rows of the zz2d sample.
const work = tempDir();
const config = writeText(
  work,
  'run.json',
  JSON.stringify({ data: { files: SAMPLE_2D, target: 'f01', born: 'f00', max_rows: 3000 }, model_type: 'poly', degree: 6, seed: 3 }),
);
const modelDir = join(work, 'model');

test('train writes the model directory and prints the precision table', () => {
  const r = ampfit(['train', '--config', config, '--out', modelDir, '--json', join(work, 'm.json')]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /\npoly deg 6 test\s+600\s/);
  assert.match(r.stdout, /\nverdict \(test\): R_1 > 90 % fails: \d+\.\d\d ± \d\.\d\d %; 90 % have \|δ\| < [\d.]+ %\n$/);
  assert.match(r.stderr, /split \(seed 3\): 1440 train, 960 validation, 600 test/);
  assert.deepEqual(readdirSync(modelDir).sort(), ['config.json', 'history.json', 'metrics.json', 'model.ampfit', 'provenance.json', 'rows.filter', 'train.log']);
  const prov = JSON.parse(readFileSync(join(modelDir, 'provenance.json'), 'utf8'));
  assert.equal(prov.seed, 3);
  assert.equal(prov.data_files[0].path, SAMPLE_2D);
  assert.equal(prov.rows_read, 3000);
  const saved = JSON.parse(readFileSync(join(modelDir, 'config.json'), 'utf8'));
  assert.equal(saved.degree, 6);
  assert.equal(saved.patience, 200); // defaults are resolved into the saved config
  const metrics = JSON.parse(readFileSync(join(work, 'm.json'), 'utf8'));
  assert.equal(metrics.test.n, 600);
  // A degree-6 polynomial is a weak regressor for this peaked function; pin where it is so a change shows.
  assert.ok(metrics.test.R_pct['1'] > 1 && metrics.test.R_pct['1'] < 60, String(metrics.test.R_pct['1']));
});

test('train without a config chooses from the data and says why', () => {
  const out = join(work, 'auto');
  const r = ampfit(['train', '--data', SAMPLE_2D, '--target', 'f01', '--born', 'f00', '--budget', '3s', '--set', 'data.max_rows=3000', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /no config: chosen from the first 20000 rows of .*zz2d_sample\.csv\.gz/);
  assert.match(r.stderr, /model: DNN 4-32 for 2 coordinate inputs \(x1\.\.x2\): up to 15 minutes/);
  assert.match(r.stdout, /\nverdict \(test\): R_1 > 90 % (holds|fails)/);
  const saved = JSON.parse(readFileSync(join(out, 'config.json'), 'utf8'));
  assert.deepEqual([saved.model_type, saved.depth, saved.width, saved.time_budget_s, saved.data.max_rows], ['dnn', 4, 32, 3, 3000]);
  const missing = ampfit(['train', '--data', SAMPLE_2D, '--out', join(work, 'auto2')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /train needs --config, or --data and --target/);
});

test('train refuses to overwrite a model without --force', () => {
  const r = ampfit(['train', '--config', config, '--out', modelDir]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /is not empty \(it holds a trained model\).*--force/);
  assert.ok(existsSync(join(modelDir, 'model.ampfit')));
});

test('predict copies every row in order and appends the prediction in original units', () => {
  const out = join(work, 'pred.csv');
  const r = ampfit(['predict', '--model', modelDir, '--input', SAMPLE_2D, '--output', out]);
  assert.equal(r.code, 0, r.stderr);
  const input = gunzipSync(readFileSync(SAMPLE_2D)).toString('utf8').trimEnd().split('\n');
  const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
  assert.equal(lines.length, input.length);
  assert.equal(lines[0], 'x1,x2,f00,f01,y,prediction,prediction_ratio');
  const model = loadModel(modelDir);
  for (const i of [1, 2, 17000, input.length - 1]) {
    assert.ok(lines[i].startsWith(input[i] + ','), `row ${i} not copied`);
    const cells = lines[i].split(',').map(Number);
    const [x1, x2, f00] = cells;
    const expected = model.predictTarget(new Float64Array([x1, x2]), 1, new Float64Array([f00]))[0];
    assert.equal(cells[5], expected);
    assert.equal(cells[6], model.predict(new Float64Array([x1, x2]), 1)[0]);
  }
});

test('eval on a model and eval of a predictions file agree', () => {
  const viaModel = ampfit(['eval', '--model', modelDir, '--data', SAMPLE_2D, '--json', join(work, 'e1.json')]);
  assert.equal(viaModel.code, 0, viaModel.stderr);
  const viaFile = ampfit(['eval', '--predictions', join(work, 'pred.csv'), '--truth', 'f01', '--pred', 'prediction', '--json', join(work, 'e2.json')]);
  assert.equal(viaFile.code, 0, viaFile.stderr);
  const a = JSON.parse(readFileSync(join(work, 'e1.json'), 'utf8'));
  const b = JSON.parse(readFileSync(join(work, 'e2.json'), 'utf8'));
  assert.equal(a.n, 30000);
  assert.equal(b.n, 30000);
  // δ of the ratio and δ of ratio × f00 differ only by rounding.
  assert.ok(Math.abs(a.mu_delta_pct - b.mu_delta_pct) < 1e-9);
  assert.deepEqual(a.R_pct, b.R_pct);
  assert.match(viaModel.stdout, /^regressor\s+n\s+R_1 \(%\)\s+R_0\.1 \(%\)\s+R_0\.01 \(%\)/);
  assert.ok(viaModel.stdout.trimEnd().split('\n').every((l) => l.length <= 80), viaModel.stdout);
  // The verdict line, with the numbers of the JSON.
  const v = a.verdict;
  assert.equal(v.criterion, 'R_1 > 90 %');
  assert.equal(v.R_1_pct, a.R_pct['1']);
  assert.ok(Math.abs(v.R_1_stderr_pct - 100 * Math.sqrt((a.R_pct['1'] / 100) * (1 - a.R_pct['1'] / 100) / 30000)) < 1e-12);
  assert.ok(viaModel.stdout.includes(`verdict (these rows): R_1 > 90 % fails: ${v.R_1_pct.toFixed(2)} ± ${v.R_1_stderr_pct.toFixed(2)} %; 90 % have |δ| < ${v.tau90_pct.toPrecision(3)} %`), viaModel.stdout);
  assert.ok(viaFile.stdout.includes('verdict (these rows): R_1 > 90 % fails'), viaFile.stdout);
  const wide = ampfit(['eval', '--model', modelDir, '--data', SAMPLE_2D, '--wide']);
  assert.equal(wide.code, 0, wide.stderr);
  assert.match(wide.stdout, /^regressor\s+n test\s+R_1 \(%\).*\|δ\| q99\.9 \(%\)\s+R²\n/);
  assert.match(wide.stdout, /poly deg 6 \(28\)\s+30000\s+\d+\.\d\d ± \d\.\d\d\s/);
});

test('bad config and bad data fail with exit status 2 and a located message', () => {
  const badCfg = writeText(work, 'bad.json', JSON.stringify({ data: { files: SAMPLE_2D, target: 'f01' }, widht: 3 }));
  const r1 = ampfit(['train', '--config', badCfg, '--out', join(work, 'x')]);
  assert.equal(r1.code, 2);
  assert.match(r1.stderr, /widht: unknown key \(did you mean 'width'\?\)/);

  const badData = writeText(work, 'bad.csv', 'x1,x2,f00,f01\n0.1,0.2,1,2\n0.1,0.2,1,oops\n');
  const r2 = ampfit(['train', '--config', config, '--data', badData, '--out', join(work, 'y')]);
  assert.equal(r2.code, 2);
  assert.ok(r2.stderr.includes(`${badData}:3, column 'f01': non-numeric value 'oops'`), r2.stderr);

  const r3 = ampfit(['eval', '--predictions', badData, '--truth', 'nope', '--pred', 'f01']);
  assert.equal(r3.code, 2);
  assert.match(r3.stderr, /required column 'nope' is missing/);
});

test('--skip-bad-rows trains on the good rows and reports the skipped ones', () => {
  const rows = ['x1,x2,f00,f01'];
  for (let i = 0; i < 400; i++) rows.push(`${(i + 0.5) / 400},${((i * 7919) % 400) / 400},1,${1 + (i % 13) / 10}`);
  rows.splice(10, 0, '0.5,0.5,1,NaN');
  rows.splice(20, 0, '0.5,0.5,0,1');
  const file = writeText(work, 'some-bad.csv', rows.join('\n') + '\n');
  const out = join(work, 'skip');
  const r = ampfit(['train', '--config', config, '--data', file, '--skip-bad-rows', '--set', 'data.max_rows=null', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /read 400 rows .*SKIPPED 2 bad rows/);
  assert.ok(r.stderr.includes(`skipped ${file}:11 column 'f01': NaN value`), r.stderr);
  const prov = JSON.parse(readFileSync(join(out, 'provenance.json'), 'utf8'));
  assert.equal(prov.rows_skipped, 2);
  assert.equal(prov.data_files[0].skipped, 2);
});

test('train: a bad bdt setting fails as a config error naming the key before any data is read', () => {
  const dir = tempDir();
  const cfg = writeText(dir, 'bad.json', JSON.stringify({ data: { files: join(dir, 'does-not-exist.csv'), target: 'f01' }, model_type: 'bdt', max_depth: 0, subsample: 0 }));
  const r = spawnSync(process.execPath, [BIN, 'train', '--config', cfg, '--out', join(dir, 'out')], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  assert.equal(r.status, 2, r.stderr);
  assert.match(r.stderr, /max_depth: max_depth must be at least 1/);
  assert.match(r.stderr, /subsample: subsample must be greater than 0/);
  assert.doesNotMatch(r.stderr, /does-not-exist|reading/);
  assert.ok(!existsSync(join(dir, 'out')), 'nothing was created');
});

test("issue 17: a space, a tab or ' 0x1f' in a cell stops train, predict and eval with exit 2 and its place", () => {
  for (const [cell, problem] of [[' ', 'empty cell (only spaces or tabs)'], ['\t', 'empty cell (only spaces or tabs)'], [' 0x1f', "non-numeric value ' 0x1f'"]]) {
    const file = writeText(work, `cell${cell.charCodeAt(0)}${cell.length}.csv`, `x1,x2,f00,f01\n0.1,0.2,1,0.07\n0.3,${cell},1,0.07\n`);
    const where = `${file}:3, column 'x2': ${problem}`;
    const train = ampfit(['train', '--config', config, '--data', file, '--out', join(work, `t${cell.length}${cell.charCodeAt(0)}`)]);
    assert.equal(train.code, 2, train.stderr);
    assert.ok(train.stderr.includes(where), train.stderr);
    const predict = ampfit(['predict', '--model', modelDir, '--input', file, '--output', join(work, `p${cell.length}${cell.charCodeAt(0)}.csv`)]);
    assert.equal(predict.code, 2);
    assert.ok(predict.stderr.includes(where), predict.stderr);
    const evaluated = ampfit(['eval', '--model', modelDir, '--data', file]);
    assert.equal(evaluated.code, 2);
    assert.ok(evaluated.stderr.includes(where), evaluated.stderr);
  }
});

test('issue 17: a binary or newline-free "CSV" gets a short message, not its 3 MB echoed', () => {
  const file = join(work, 'blob.csv');
  writeFileSync(file, Buffer.alloc(3 << 20, 0x41));
  const r = ampfit(['predict', '--model', modelDir, '--input', file, '--output', join(work, 'blob-out.csv')]);
  assert.equal(r.code, 2);
  assert.ok(r.stderr.length < 300, `${r.stderr.length} characters on stderr`);
  assert.match(r.stderr, /blob\.csv:1: no line end in the first 1,048,576 bytes: not a CSV file with a header line/);
});

test('issue 17: a target that is an exact multiple of the Born term is refused as constant (no R² = −4512)', () => {
  const rows = ['x1,x2,f00,f01'];
  for (let i = 0; i < 300; i++) {
    const born = 1e-7 * (1 + ((i * 37) % 101) / 17);
    rows.push(`${(i + 0.5) / 300},${((i * 7919) % 300) / 300},${born},${0.07 * born}`);
  }
  const file = writeText(work, 'constant.csv', rows.join('\n') + '\n');
  const r = ampfit(['train', '--config', config, '--data', file, '--set', 'data.max_rows=null', '--out', join(work, 'constant')]);
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, /ampfit: the training targets are constant: all \d+ lie in \[0\.07\d*, 0\.07\d*\]/);
});
