// Model files written by older ampfit (see test/fixtures/models/expected.json):
// before the model graph (commit 2605b79) an averaging sk-DNN, a
// heteroscedastic DNN, boosted trees, a polynomial and a DSI on momenta;
// before the two network executors became one (696c985) an MLP, a GroupKAN,
// a KAN, a DS, a KAN ensemble and a Bayesian-last-layer GroupKAN. They still
// load, predict the same bits on the TypeScript kernels, and export to ONNX
// and C that agree with predict to 1e-12.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { exportC } from '../../src/export/c/index.js';
import { describeSurrogate } from '../../src/export/describe.js';
import { exportOnnx } from '../../src/export/onnx.js';
import { loadModel } from '../../src/models/surrogate.js';
import { REPO, tempDir } from '../helpers.js';
import { AGREEMENT, compileC, haveGcc, maxRelativeDifference } from '../export/fixtures.js';

const FIXTURES = join(REPO, 'test/fixtures/models');
const expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as { cases: Record<string, { x: number[]; y_bits: string[] }> };
const NAMES = Object.keys(expected.cases);

test('model files written by older ampfit predict the same bits (TypeScript kernels)', () => {
  assert.deepEqual(NAMES, [
    'skdnn-average', 'dnn-heteroscedastic', 'bdt', 'poly', 'dsi', 'mlp-gelu', 'groupkan-4', 'kan', 'ds', 'kan-ensemble', 'mlp-bnn-last',
  ]);
  // A child process, so that AMPFIT_NATIVE=0 selects the reference kernels for every model it loads.
  const script = `
    import { loadModel } from ${JSON.stringify(join(REPO, 'dist/src/models/surrogate.js'))};
    const cases = JSON.parse(process.argv[1]);
    const out = {};
    for (const [name, c] of Object.entries(cases)) {
      const m = loadModel(${JSON.stringify(FIXTURES)} + '/' + name);
      const y = m.predict(Float64Array.from(c.x), c.x.length / m.d);
      out[name] = Array.from(new BigUint64Array(y.buffer), (b) => b.toString(16).padStart(16, '0'));
    }
    process.stdout.write(JSON.stringify(out));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script, JSON.stringify(expected.cases)], {
    encoding: 'utf8', env: { ...process.env, AMPFIT_NATIVE: '0' },
  });
  assert.equal(r.status, 0, r.stderr);
  const got = JSON.parse(r.stdout) as Record<string, string[]>;
  for (const name of NAMES) assert.deepEqual(got[name], expected.cases[name].y_bits, name);
});

for (const name of NAMES) {
  test(`the old ${name} model exports to ONNX and C, agreeing with predict to 1e-12`, async () => {
    const model = loadModel(join(FIXTURES, name));
    const c = expected.cases[name];
    const x = Float64Array.from(c.x);
    const n = x.length / model.d;
    const want = model.predict(x, n);
    const stored = new Float64Array(new BigUint64Array(c.y_bits.map((b) => BigInt(`0x${b}`))).buffer);
    assert.ok(maxRelativeDifference(want, stored).max <= 1e-13, `${name}: native kernels vs the stored TypeScript bits`);
    const description = describeSurrogate(model);
    const session = await ort.InferenceSession.create(exportOnnx(description, name), { intraOpNumThreads: 1, interOpNumThreads: 1 });
    const y = (await session.run({ x: new ort.Tensor('float64', x, [n, model.d]) })).y.data as Float64Array;
    await session.release();
    assert.ok(maxRelativeDifference(y, want).max <= AGREEMENT, `${name}: ONNX vs predict ${maxRelativeDifference(y, want).max}`);
    if (!haveGcc()) return;
    const { batch, single } = compileC([exportC(description, name.replace(/-/g, '_'))], tempDir(`ampfit-old-${name}-`)).run(0, x);
    assert.ok(maxRelativeDifference(batch, want).max <= AGREEMENT, `${name}: C batch vs predict ${maxRelativeDifference(batch, want).max}`);
    assert.ok(maxRelativeDifference(single, want).max <= AGREEMENT, `${name}: C single vs predict`);
  });
}
