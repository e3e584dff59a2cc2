import { test } from 'node:test';
import assert from 'node:assert/strict';
import { describeSurrogate } from '../../src/export/describe.js';
import { Surrogate, loadModel } from '../../src/models/surrogate.js';
import type { Regressor } from '../../src/models/regressor.js';
import { NotExportableError } from '../../src/graph/builder.js';
import { TargetTransform } from '../../src/transforms/target.js';
import { CASES, writeCase } from './fixtures.js';

test('an sk-DNN 9-36 on 4 inputs is one graph of dense and activation ops with all 34,993 parameters (paper 1)', () => {
  const model = loadModel(writeCase(CASES[0]));
  const d = describeSurrogate(model);
  const dense = d.graph.ops.filter((op) => op.kind === 'dense');
  assert.equal(dense.length, 9 * 3 + 1 + 1); // 3 dense per block, one skip map (4 → 36), the output
  const count = dense.reduce((s, op) => s + (op.kind === 'dense' ? op.w.length + (op.b?.length ?? 0) : 0), 0);
  assert.equal(count, 34993);
  assert.equal(dense.filter((op) => op.kind === 'dense' && op.residual !== null).length, 9);
  assert.equal(d.graph.ops.filter((op) => op.kind === 'activation').length, 9 * 3);
  const last = d.graph.ops[d.graph.ops.length - 1];
  assert.deepEqual(last.kind === 'inverseTransform' ? last.transform : null, { kind: 'log-standardize', scale: 0.9, shift: 0.4 });
  assert.equal(d.graph.outputs.value, last.kind === 'inverseTransform' ? last.output : -1);
  assert.equal(d.info.returns, 'the ratio f01/f00');
  assert.equal(d.info.inputKind, 'coordinates');
  assert.match(d.info.model, /^sk-DNN 9-36: 29 × dense, 27 × leaky_relu$/);
});

test('every target transform ends the graph as its inverse', () => {
  const kinds = CASES.map((c) => {
    const ops = describeSurrogate(loadModel(writeCase(c))).graph.ops;
    const last = ops[ops.length - 1];
    return last.kind === 'inverseTransform' ? last.transform.kind : 'missing';
  });
  assert.deepEqual(kinds, CASES.map((c) => c.model.transform.kind));
});

test('a model that cannot emit its graph is refused with its own reason', () => {
  const real = loadModel(writeCase(CASES[1]));
  const opaque: Regressor = {
    type: 'opaque',
    parameterCount: () => 3,
    predict: (_x, n) => new Float64Array(n),
    serialize: () => ({ spec: { type: 'opaque' }, arrays: {} }),
    emit: () => {
      throw new NotExportableError('opaque models have no graph');
    },
  };
  const model = new Surrogate(real.header, opaque, TargetTransform.fromJSON(real.header.target.transform));
  assert.throws(() => describeSurrogate(model), /^AmpfitError: export: opaque models have no graph$/);
});
