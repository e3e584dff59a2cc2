import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { readModel } from '../../src/io/modelStore.js';
import { inputRanges, trainingRange } from '../../src/models/domain.js';
import { REPO, SAMPLE_2D, tempDir, writeText } from '../helpers.js';

// Issue 17: a model knows its input domain; predict and eval refuse points outside it, by file, line and column.

const BIN = join(REPO, 'bin/ampfit.js');

function ampfit(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

const work = tempDir();
const modelDir = join(work, 'poly');
const symDir = join(work, 'sym');
const cfg = (extra: object): string => writeText(work, `c${Math.random()}.json`, JSON.stringify({
  data: { files: SAMPLE_2D, target: 'f01', born: 'f00', max_rows: 2000 }, model_type: 'poly', degree: 4, seed: 1, ...extra,
}));

test('a trained hypercube model stores the unit cube as its domain', () => {
  const r = ampfit(['train', '--config', cfg({}), '--out', modelDir, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(readModel(modelDir).header.input_domain, { kind: 'unit-cube' });
});

test('predict refuses x = 100 and x = 1e300 with file, line and column; --allow-outside-domain predicts and counts them', () => {
  for (const bad of ['100', '1e300', '-0.5']) {
    const input = writeText(work, `p${bad}.csv`, `x1,x2,f00\n0.5,0.5,1\n${bad},0.5,1\n`);
    const r = ampfit(['predict', '--model', modelDir, '--input', input, '--output', join(work, `out${bad}.csv`)]);
    assert.equal(r.code, 2, r.stderr);
    assert.equal(r.stderr, `ampfit: ${input}:3, column 'x1': value ${bad} lies outside the unit cube [0, 1] of hypercube coordinates\n`);
  }
  const input = writeText(work, 'allow.csv', 'x1,x2,f00\n0.5,0.5,1\n0.5,7,1\n2,0.5,1\n');
  const r = ampfit(['predict', '--model', modelDir, '--input', input, '--output', '-', '--allow-outside-domain']);
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.trim().split('\n').length, 4);
  assert.match(r.stderr, new RegExp(`warning: 2 rows outside the model's input domain, where its output is an extrapolation \\(first: ${input}:3, column 'x2', outside the unit cube`));
});

test('eval refuses rows outside the domain the same way, and counts them with --allow-outside-domain', () => {
  const data = writeText(work, 'e.csv', 'x1,x2,f00,f01\n0.5,0.5,1,0.07\n0.25,1.5,1,0.07\n');
  const r = ampfit(['eval', '--model', modelDir, '--data', data]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, new RegExp(`^ampfit: ${data}:3, column 'x2': value 1\\.5 lies outside the unit cube`));
  const ok = ampfit(['eval', '--model', modelDir, '--data', data, '--allow-outside-domain']);
  assert.equal(ok.code, 0, ok.stderr);
  assert.match(ok.stderr, /warning: 1 row outside the model's input domain/);
});

test('training refuses inputs outside the unit cube, by file, line and column', () => {
  const data = writeText(work, 't.csv', 'x1,x2,f00,f01\n' + Array.from({ length: 50 }, (_, i) => `${i === 30 ? 3 : 0.01 * (i + 1)},0.5,1,0.07`).join('\n') + '\n');
  const r = ampfit(['train', '--config', cfg({ data: { files: data, target: 'f01', born: 'f00' } }), '--out', join(work, 'never')]);
  assert.equal(r.code, 2, r.stderr);
  assert.ok(r.stderr.endsWith(`\nampfit: ${data}:32, column 'x1': value 3 lies outside the unit cube [0, 1] of hypercube coordinates\n`), r.stderr);
});

test('a symmetric model asked for a reflected point outside [0, 1] (with --allow-outside-domain) names file, line and column', () => {
  const r = ampfit(['train', '--config', cfg({ symmetries: [{ name: 'fb', map: '(x1, 1-x2)' }] }), '--out', symDir, '--quiet']);
  assert.equal(r.code, 0, r.stderr);
  const input = writeText(work, 's.csv', 'x1,x2,f00\n0.5,0.5,1\n0.5,1.5,1\n');
  const p = ampfit(['predict', '--model', symDir, '--input', input, '--output', join(work, 's-out.csv'), '--allow-outside-domain']);
  assert.equal(p.code, 2);
  assert.match(p.stderr, new RegExp(`^ampfit: ${input}:3, column 'x2': input 2 is 1\\.5, outside \\[0, 1\\], where this model's symmetry reflects it`));
});

test('momentum models: the domain is the training rows\' range per input', () => {
  const x = Float64Array.from([1, 10, 3, -5, 2, 7]);
  const dom = trainingRange(x, 3, 2);
  assert.deepEqual(dom, { kind: 'training-range', lo: [1, -5], hi: [3, 10] });
  const [a, b] = inputRanges(dom, ['p1_E', 'p1_px']);
  assert.deepEqual([a?.lo, a?.hi, b?.lo, b?.hi], [1, 3, -5, 10]);
  assert.match(b?.what ?? '', /the model's input domain \[-5, 10\] \(the training data's range\)/);
});
