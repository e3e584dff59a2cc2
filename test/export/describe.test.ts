import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assignSlots, describeSurrogate, type NetworkBody } from '../../src/export/describe.js';
import { Surrogate, loadModel } from '../../src/models/surrogate.js';
import type { Regressor } from '../../src/models/regressor.js';
import { TargetTransform } from '../../src/transforms/target.js';
import { CASES, writeCase } from './fixtures.js';

test('an sk-DNN 9-36 on 4 inputs is described layer by layer with all 34,993 parameters (paper 1)', () => {
  const model = loadModel(writeCase(CASES[0]));
  const d = describeSurrogate(model);
  assert.equal(d.body.kind, 'network');
  const body = d.body as NetworkBody;
  assert.equal(body.layers.length, 9 * 3 + 1 + 1); // 3 dense per block, one skip map (4 → 36), the output
  const count = body.layers.reduce((s, l) => s + l.w.length + (l.b?.length ?? 0), 0);
  assert.equal(count, 34993);
  assert.deepEqual(body.layers.filter((l) => l.residual >= 0).length, 9);
  assert.deepEqual(d.output, { g: 'exp', scale: 0.9, shift: 0.4, unit: 1 });
  assert.equal(d.info.returns, 'the ratio f01/f00');
  assert.equal(d.info.model, 'sk-DNN 9-36 (4D, leaky_relu 0.3)');
  // Three reused buffers suffice, however deep the network.
  assert.equal(assignSlots(body).slots, 3);
});

test('every target transform maps to its output form', () => {
  const maps = CASES.map((c) => describeSurrogate(loadModel(writeCase(c))).output.g);
  assert.deepEqual(maps, ['exp', 'affine', 'affine', 'exp', 'affine', 'sinh', 'affine', 'exp', 'affine', 'exp']);
});

test('a model type without an exporter is refused, naming the exportable ones', () => {
  const real = loadModel(writeCase(CASES[1]));
  const trees: Regressor = {
    type: 'gbdt',
    parameterCount: () => 3,
    predict: (_x, n) => new Float64Array(n),
    serialize: () => ({ spec: { type: 'gbdt' }, arrays: {} }),
  };
  const model = new Surrogate(real.header, trees, TargetTransform.fromJSON(real.header.target.transform));
  assert.throws(() => describeSurrogate(model), /export: model type 'gbdt' cannot be exported yet \(exportable: dnn, skdnn, poly, bdt\)/);
});
