// Model labels: the family from the config, what wrappers add from the graph
// the live model emits — checked on the stored model files of
// test/fixtures/models (labels as ampfit printed them before the graph walk)
// and on hand-built graphs for the fold, periodic and angular suffixes.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { GraphBuilder } from '../../src/graph/builder.js';
import { graphLabel, modelLabel, regressorGraph } from '../../src/models/labels.js';
import { loadModel } from '../../src/models/surrogate.js';
import { identityMap } from '../../src/symmetry/coordinateMap.js';
import { TargetTransform } from '../../src/transforms/target.js';
import { REPO } from '../helpers.js';

const FIXTURES = join(REPO, 'test/fixtures/models');
const load = (name: string) => loadModel(join(FIXTURES, name, 'model.ampfit'));

test('the stored models keep their labels; the averaging wrapper is read off its orbit op', () => {
  const want: Record<string, string> = {
    'skdnn-average': 'sk-DNN 2-8 average×2', 'dnn-heteroscedastic': 'DNN 2-8', bdt: 'bdt', poly: 'poly deg 3', dsi: 'DSI 1-8',
    'mlp-gelu': 'MLP-I 2-8', 'groupkan-4': 'GroupKAN-4 MLP-I 2-8', kan: 'KAN 1-6', ds: 'DS 2-8', 'kan-ensemble': 'KAN 1-4',
    'mlp-bnn-last': 'GroupKAN-2 MLP 2-8',
  };
  for (const [name, label] of Object.entries(want)) {
    const m = load(name);
    assert.equal(modelLabel(m.header, m.regressor), label, name);
  }
  const avg = load('skdnn-average');
  const graph = regressorGraph(avg.inputs, avg.regressor);
  assert.ok(graph !== null);
  assert.deepEqual(graph.ops.filter((op) => op.kind === 'orbit').map((op) => op.kind === 'orbit' && op.outputs.length), [2]);
  // Without a graph (a model type with no graph form) only the config speaks: no suffix.
  assert.equal(graphLabel(avg.header, null), 'sk-DNN 2-8');
});

test('fold, periodic and angular suffixes come from the ops, in the order angular, periodic, symmetry', () => {
  const h = load('poly').header;
  const g = new GraphBuilder(['x1', 'x2', 'x3', 'x4']);
  const reflect = { src: Int32Array.of(0, 1, 2, 3), reflect: Uint8Array.of(0, 1, 0, 0) };
  const folded = g.fold(0, { elements: [identityMap(4), reflect], reflectable: Uint8Array.of(0, 1, 0, 0) });
  const waves = g.periodic(g.gather(folded, [2, 3]), [1, 2]);
  const out = g.legendre(waves, 1, [Uint8Array.of(0, 0, 0, 0)], Float64Array.of(1));
  assert.equal(graphLabel(h, g.finish(out, null)), 'poly deg 3 periodic×2 fold/2');
  assert.equal(graphLabel({ config: { ...h.config, name: 'zz' } }, g.finish(out, null)), 'zz: poly deg 3 periodic×2 fold/2');

  const a = new GraphBuilder(['x1', 'x2', 'x3']);
  const inner = a.dense('inner', 0, new Float64Array(3 * 8), null, 8);
  const transform = TargetTransform.fit('standardize', Float64Array.of(1, 2, 3)).toJSON();
  const angle = (index: number) => ({ index, offset: 0, scale: 1 });
  const head = a.angularHead(0, inner, { lMax: 1, decays: [{ cos: angle(1), phi: angle(2) }], transform, alpha: 0.1, beta: 0.1, lAt: 1, eAt: 4 });
  assert.equal(graphLabel(load('dnn-heteroscedastic').header, a.finish(head, null)), 'DNN 2-8 angular l≤1×1');
});
