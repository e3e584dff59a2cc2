// The stored model graph (src/graph/serialize.ts): JSON and arrays back to
// the same graph — checked through the C exporter, whose output spells out
// every op, weight (as exact hex floats) and table, so equal sources mean
// equal graphs — shared weights stored once, and bad JSON refused by name.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { exportC } from '../../src/export/c/index.js';
import { describeSurrogate } from '../../src/export/describe.js';
import { deserializeGraph, serializeGraph } from '../../src/graph/serialize.js';
import { loadModel } from '../../src/models/surrogate.js';
import { REPO } from '../helpers.js';
import { CASES, writeCase } from '../export/fixtures.js';

const dirs = [
  ...CASES.map((c) => ({ label: c.label, dir: writeCase(c) })),
  ...['bdt', 'dnn-heteroscedastic', 'dsi', 'poly', 'skdnn-average'].map((n) => ({ label: `fixture ${n}`, dir: join(REPO, 'test/fixtures/models', n) })),
];

for (const { label, dir } of dirs) {
  test(`the graph of ${label} survives serialize → JSON text → deserialize`, () => {
    const description = describeSurrogate(loadModel(dir));
    const stored = serializeGraph(description.graph);
    for (const name of Object.keys(stored.arrays)) assert.match(name, /^graph\/\d+\/[A-Za-z]+$/);
    const back = deserializeGraph(JSON.parse(JSON.stringify(stored.json)), stored.arrays);
    assert.equal(exportC({ ...description, graph: back }, 'm').source, exportC(description, 'm').source);
  });
}

test('an orbit average stores its shared weights once; a bad op is refused with its path', () => {
  const graph = describeSurrogate(loadModel(join(REPO, 'test/fixtures/models/skdnn-average'))).graph;
  const stored = serializeGraph(graph);
  const denseOps = stored.json.ops.filter((op) => op.kind === 'dense');
  const named = new Set(denseOps.map((op) => (op.kind === 'dense' ? op.w : '')));
  assert.ok(named.size < denseOps.length, `${denseOps.length} dense ops, ${named.size} weight arrays`);
  const bad = JSON.parse(JSON.stringify(stored.json)) as { ops: { kind: string }[] };
  bad.ops[0].kind = 'conv2d';
  assert.throws(() => deserializeGraph(bad, stored.arrays), /stored model graph at ops\.0\.kind/);
  const missing = { ...stored.arrays };
  delete missing[Object.keys(missing)[0]];
  assert.throws(() => deserializeGraph(stored.json, missing), /array 'graph\/\d+\/\w+' is missing/);
});
