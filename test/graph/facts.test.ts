// graphFacts reads what wrappers and heads add, and whether the kernels run,
// off the ops of a graph: hand-built graphs of each shape the models emit.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { GraphBuilder } from '../../src/graph/builder.js';
import { graphFacts } from '../../src/graph/facts.js';
import type { Buf, GroupSpec } from '../../src/graph/ops.js';
import { identityMap } from '../../src/symmetry/coordinateMap.js';
import { TargetTransform } from '../../src/transforms/target.js';

const SILU = { name: 'silu', param: 0 } as const;

/** The identity and the reflection x2 → 1 − x2 of two inputs, or a group of four with a swap. */
function group(order: 2 | 4): GroupSpec {
  const id = identityMap(2);
  const reflect = { src: Int32Array.of(0, 1), reflect: Uint8Array.of(0, 1) };
  const swap = { src: Int32Array.of(1, 0), reflect: Uint8Array.of(0, 0) };
  const both = { src: Int32Array.of(1, 0), reflect: Uint8Array.of(1, 0) };
  const elements = order === 2 ? [id, reflect] : [id, reflect, swap, both];
  return { elements, reflectable: Uint8Array.of(0, 1) };
}

function dense(g: GraphBuilder, x: Buf, nOut: number): Buf {
  return g.dense('layer', x, new Float64Array(g.width(x) * nOut), new Float64Array(nOut), nOut);
}

test('a plain network: kernel ops only (dense layers; activations run inside them)', () => {
  const g = new GraphBuilder(['x1', 'x2']);
  const out = dense(g, g.activation(dense(g, 0, 4), SILU), 1);
  assert.deepEqual(graphFacts(g.finish(out, null)), { symmetry: null, angular: null, periodic: 0, logEdges: 0, kernelOps: 2 });
});

test('a folded polynomial: no kernel op, the fold names its group order', () => {
  const g = new GraphBuilder(['x1', 'x2']);
  const folded = g.fold(0, group(2));
  const out = g.legendre(folded, 1, [Uint8Array.of(0, 0), Uint8Array.of(1, 0)], Float64Array.of(1, 2));
  assert.deepEqual(graphFacts(g.finish(out, null)), { symmetry: { mode: 'fold', order: 2 }, angular: null, periodic: 0, logEdges: 0, kernelOps: 0 });
});

test('an orbit mean over four images of a network: average ×4, one dense op per image', () => {
  const g = new GraphBuilder(['x1', 'x2']);
  const images = g.orbit(0, group(4));
  const out = g.mean(images.map((b) => dense(g, b, 1)), 'sum-then-divide');
  assert.deepEqual(graphFacts(g.finish(out, null)), { symmetry: { mode: 'average', order: 4 }, angular: null, periodic: 0, logEdges: 0, kernelOps: 4 });
});

test('an orbit over images whose input stage has periodic inputs and edge logarithms counts the stage once', () => {
  const g = new GraphBuilder(['x1', 'x2']);
  const images = g.orbit(0, group(4));
  const stage = (b: Buf): Buf => g.concat([g.periodic(g.gather(b, [0]), [1]), g.logEdges(g.gather(b, [0, 1]), 1e-15)]);
  const out = g.mean(images.map((b) => dense(g, stage(b), 1)), 'sum-then-divide');
  assert.deepEqual(graphFacts(g.finish(out, null)), { symmetry: { mode: 'average', order: 4 }, angular: null, periodic: 1, logEdges: 2, kernelOps: 4 });
});

test('periodic inputs, edge logarithms and a harmonic head over two decays', () => {
  const g = new GraphBuilder(['x1', 'x2', 'x3', 'x4', 'x5', 'x6']);
  const waves = g.periodic(g.gather(0, [0, 1]), [1, 0.5]);
  const logs = g.logEdges(g.gather(0, [0, 1, 2]), 1e-15);
  const inner = dense(g, g.concat([waves, logs]), 12);
  const angle = (index: number) => ({ index, offset: 0, scale: 1 });
  const decays = [{ cos: angle(2), phi: angle(3) }, { cos: angle(4), phi: angle(5) }];
  const transform = TargetTransform.fit('standardize', Float64Array.of(1, 2, 3)).toJSON();
  const out = g.angularHead(0, inner, { lMax: 2, decays, transform, alpha: 0.1, beta: 0.1, lAt: 1, eAt: 4 });
  assert.deepEqual(graphFacts(g.finish(out, null)), { symmetry: null, angular: { lMax: 2, decays: 2 }, periodic: 2, logEdges: 3, kernelOps: 1 });
});
