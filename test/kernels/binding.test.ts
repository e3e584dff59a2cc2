// The addon's own argument checks (native/binding.c), called directly,
// without the TypeScript checks src/kernels/native.ts runs first: its tables
// still refuse what would make a kernel read or write out of bounds, in the
// words of src/kernels/checks.ts and treeChecks.ts, and never crash the
// process; the semantic checks are made by the TypeScript wrapper.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { loadNative, nativeAddonPath } from '../../src/kernels/native.js';

const path = nativeAddonPath();
const built = path !== null && existsSync(path);
type Fn = (...args: unknown[]) => void;
const addon = (built ? createRequire(import.meta.url)(path) : {}) as Record<string, Fn>;
const f = (n: number): Float64Array => new Float64Array(n);

test('the addon refuses bad types, dimensions, lengths and shapes by its argument tables', { skip: built ? false : 'native addon not built' }, () => {
  const LINEAR = 0;
  assert.throws(() => addon.denseForward(f(4), 2, 2, f(4), null, 2, LINEAR, 0, null, f(4), f(3)), {
    name: 'RangeError', message: 'ampfit kernels: denseForward: y has length 3, expected n*nOut = 4',
  });
  assert.throws(() => addon.denseForward([1, 2], 1, 2, f(4), null, 2, LINEAR, 0, null, f(2), f(2)), {
    name: 'TypeError', message: 'ampfit kernels: denseForward: x must be a Float64Array',
  });
  assert.throws(() => addon.denseForward(f(4), 2, 2, f(4), null, 2, 99, 0, null, f(4), f(4)), /act code must be an integer in \[0, \d+\] \(got 99\)/);
  assert.throws(() => addon.denseBackward(f(4), 2, 2, f(4), 2, LINEAR, 0, f(4), f(4), f(4), f(4), f(5), f(4), null, false), {
    message: 'ampfit kernels: denseBackward: dx has length 5, expected n*nIn = 4',
  });
  assert.throws(() => addon.gemm(false, false, 2, 2, 2, 1, f(4), 2, f(4), 2, 0, f(3), 2), /c has length 3, needs at least 4 for a 2x2 matrix/);
  assert.throws(() => addon.adamStep(f(3), f(3), f(2), f(3), 0.1, 0.9, 0.999, 1e-8, 1), /m has length 2, expected p.length = 3/);
  assert.throws(() => addon.adamStep(f(3), f(3), f(3), f(3), 0.1, 0.9, 0.999, 1e-8, 0), /step must be an integer in \[1, /);
  assert.throws(() => addon.rationalForward(f(6), 2, 3, 2, 1, 1, f(6), f(6)), /groups \(2\) must divide width \(3\)/);
  assert.throws(() => addon.rationalForward(f(6), 2, 3, 4, 1, 1, f(12), f(6)), /groups must be an integer in \[1, 3\] \(got 4\)/);
  assert.throws(() => addon.rationalBackward(f(6), 2, 3, 1, 1, 1, f(3), f(6), null, f(2)), /gcoef has length 2, expected groups\*\(degP\+1\+degQ\) = 3/);
  assert.throws(() => addon.kanExpand(f(2), 1, 2, 3, 1, 1, f(14)), /lo must be below hi/);
  assert.throws(() => addon.kanExpandBackward(f(2), 1, 2, 3, -1, 1, f(13), f(2)), /df has length 13, expected n\*nIn\*\(grid\+4\) = 14/);
  assert.throws(() => addon.gemm(false, false, 2), /gemm: expected 13 arguments, got 3/);
  // A well-formed call still runs: y = x·W with W = identity.
  const y = f(4);
  addon.denseForward(Float64Array.of(1, 2, 3, 4), 2, 2, Float64Array.of(1, 0, 0, 1), null, 2, LINEAR, 0, null, y, y);
  assert.deepEqual([...y], [1, 2, 3, 4]);
});

test('the addon refuses each bad tree-kernel argument by its tables, in the words of treeChecks.ts', { skip: built ? false : 'native addon not built' }, () => {
  // 4 rows × 2 features, 3 bins each; one node holding every row; one histogram slot.
  const bins = Uint8Array.of(0, 1, 1, 0, 2, 1, 0, 2);
  const off = Int32Array.of(0, 3, 6);
  const rows = Uint32Array.of(0, 1, 2, 3);
  const begin = Int32Array.of(0);
  const end = Int32Array.of(4);
  const i32 = (...v: number[]): Int32Array => Int32Array.from(v);
  const refused = (call: () => void, name: 'TypeError' | 'RangeError', message: string): void => {
    assert.throws(call, (e: unknown) => {
      assert.ok(e instanceof Error);
      assert.equal(`${e.name}: ${e.message}`, `${name}: ampfit kernels: ${message}`);
      return true;
    });
  };
  const histBuild = (over: Partial<Record<'bins' | 'd' | 'off' | 'gpair' | 'rows' | 'end' | 'slot' | 'hist', unknown>>): void =>
    addon.histBuild(over.bins ?? bins, over.d ?? 2, over.off ?? off, over.gpair ?? f(8), over.rows ?? rows, begin, over.end ?? end, over.slot ?? i32(0), over.hist ?? f(12));
  refused(() => histBuild({ bins: new Int32Array(8) }), 'TypeError', 'histBuild: bins must be a Uint8Array or Uint16Array');
  refused(() => histBuild({ d: 0 }), 'RangeError', 'histBuild: d must be an integer in [1, 65535] (got 0)');
  refused(() => histBuild({ off: i32(0, 3) }), 'RangeError', 'histBuild: binOffset has length 2, expected d+1 = 3');
  refused(() => histBuild({ off: i32(0, 3, 3) }), 'RangeError', 'histBuild: binOffset[2] must exceed binOffset[1]');
  refused(() => histBuild({ off: i32(0, 3, 300) }), 'RangeError', 'histBuild: bins is a Uint8Array but feature 1 has 297 bins (more than 256)');
  refused(() => histBuild({ rows: new Int32Array(4) }), 'TypeError', 'histBuild: rows must be a Uint32Array');
  refused(() => histBuild({ end: i32(5) }), 'RangeError', 'histBuild: node 0: range [0, 5) is not within rows (length 4)');
  refused(() => histBuild({ gpair: f(7) }), 'RangeError', 'histBuild: gpair has length 7, expected 2*n = 8');
  refused(() => histBuild({ slot: i32(0, 0) }), 'RangeError', 'histBuild: slot has length 2, expected begin.length = 1');
  refused(() => histBuild({ slot: i32(1) }), 'RangeError', 'histBuild: slot[0] = 1 is not a slot of hist (1 slots)');
  const shared = f(20);
  refused(() => histBuild({ gpair: shared.subarray(0, 8), hist: shared.subarray(4, 16) }), 'RangeError', 'histBuild: hist overlaps gpair');
  refused(() => addon.histBuild(bins, 2), 'TypeError', 'histBuild: expected 9 arguments, got 2');

  const hist = f(24);
  refused(() => addon.histSubtract(hist, 0, i32(0), i32(0), i32(1)), 'RangeError', 'histSubtract: nBins must be an integer in [1, 1073741823] (got 0)');
  refused(() => addon.histSubtract(hist, 6, i32(0), i32(0, 1), i32(1)), 'RangeError', 'histSubtract: a has length 2, expected dst.length = 1');
  refused(() => addon.histSubtract(hist, 6, i32(0), i32(0), i32(2)), 'RangeError', 'histSubtract: b[0] = 2 is not a slot of hist (2 slots)');
  refused(() => addon.histSubtract(hist, 6, new Int32Array(hist.buffer, 0, 1), i32(0), i32(1)), 'RangeError', 'histSubtract: hist overlaps dst');

  const split = (over: Partial<Record<'features' | 'lambda' | 'outGain' | 'outLeft', unknown>>): void =>
    addon.splitFind(hist.subarray(0, 12), bins, 2, off, f(8), rows, i32(0), begin, end, f(1), f(1), over.features ?? Uint8Array.of(1, 1),
      over.lambda ?? 1, 1, i32(0), i32(0), over.outGain ?? f(1), over.outLeft ?? f(2));
  refused(() => split({ lambda: NaN }), 'RangeError', 'splitFind: lambda must be a finite number (got NaN)');
  refused(() => split({ features: Uint8Array.of(1) }), 'RangeError', 'splitFind: features has length 1, expected d = 2');
  refused(() => split({ features: Int8Array.of(1, 1) }), 'TypeError', 'splitFind: features must be a Uint8Array');
  refused(() => split({ outLeft: f(1) }), 'RangeError', 'splitFind: outLeft has length 1, expected 2*begin.length = 2');
  refused(() => split({ outGain: shared.subarray(0, 1), outLeft: shared.subarray(0, 2) }), 'RangeError', 'splitFind: outLeft overlaps outGain');

  const cols = Uint8Array.of(0, 1, 2, 0, 1, 1, 0, 2);
  const partition = (over: Partial<Record<'cols' | 'n' | 'rows' | 'begin' | 'end' | 'feature' | 'mid', unknown>>): void =>
    addon.partition(over.cols ?? cols, over.n ?? 4, over.rows ?? rows.slice(), over.begin ?? begin, over.end ?? end, over.feature ?? i32(0), i32(1), over.mid ?? i32(0));
  refused(() => partition({ cols: f(8) }), 'TypeError', 'partition: columns must be a Uint8Array or Uint16Array');
  refused(() => partition({ n: 3 }), 'RangeError', 'partition: columns has length 8, not a multiple of n = 3');
  refused(() => partition({ begin: i32(0, 1), end: i32(2, 4) }), 'RangeError', "partition: node 1: range [1, 4) overlaps the previous node's or comes before it");
  refused(() => partition({ feature: i32(2) }), 'RangeError', 'partition: feature[0] = 2 is not in [0, d) (d = columns.length / n = 2)');
  const r = rows.slice();
  refused(() => partition({ rows: r, mid: new Int32Array(r.buffer, 4, 1) }), 'RangeError', 'partition: mid overlaps rows');

  refused(() => addon.leafAdd(rows, begin, end, f(2), f(4)), 'RangeError', 'leafAdd: value has length 2, expected begin.length = 1');
  refused(() => addon.leafAdd(rows, begin, end, shared.subarray(3, 4), shared.subarray(0, 4)), 'RangeError', 'leafAdd: pred overlaps value');

  // One tree: a root on feature 0 and two leaves.
  const forest = (over: Partial<Record<'x' | 'd' | 'offset' | 'feature' | 'threshold' | 'base' | 'out', unknown>>): void =>
    addon.forestPredict(over.x ?? f(2), 2, over.d ?? 1, over.offset ?? i32(0, 3), over.feature ?? new Uint16Array(3), over.threshold ?? new Float32Array(3),
      i32(1, -1, -1), f(3), over.base ?? 0, over.out ?? f(2));
  refused(() => forest({ x: f(3) }), 'RangeError', 'forestPredict: x has length 3, expected n*d = 2');
  refused(() => forest({ d: 70000 }), 'RangeError', 'forestPredict: d must be an integer in [1, 65535] (got 70000)');
  refused(() => forest({ feature: new Int32Array(3) }), 'TypeError', 'forestPredict: feature must be a Uint16Array');
  refused(() => forest({ threshold: f(3) }), 'TypeError', 'forestPredict: threshold must be a Float32Array');
  refused(() => forest({ base: Infinity }), 'RangeError', 'forestPredict: base must be a finite number (got Infinity)');
  refused(() => forest({ offset: i32(1, 3) }), 'RangeError', 'forestPredict: treeOffset must start with 0');
  refused(() => forest({ offset: i32(0, 2, 2) }), 'RangeError', 'forestPredict: treeOffset[2] must exceed treeOffset[1] (every tree has a node)');
  refused(() => forest({ offset: i32(0, 2) }), 'RangeError', 'forestPredict: treeOffset ends at 2, expected feature.length = 3');
  const buf = new ArrayBuffer(32);
  refused(() => forest({ out: new Float64Array(buf, 0, 2), feature: new Uint16Array(buf, 8, 3) }), 'RangeError', 'forestPredict: out overlaps feature');

  const binned = (over: Partial<Record<'d' | 'feature' | 'left' | 'out', unknown>>): void =>
    addon.treePredictBinned(bins, over.d ?? 2, over.feature ?? i32(0, 0, 0), i32(1, 0, 0), over.left ?? i32(1, -1, -1), f(3), over.out ?? f(4));
  refused(() => binned({ d: 3 }), 'RangeError', 'treePredictBinned: bins has length 8, not a multiple of d = 3');
  refused(() => binned({ feature: i32(), left: i32() }), 'RangeError', 'treePredictBinned: the tree has no nodes');
  refused(() => binned({ out: f(3) }), 'RangeError', 'treePredictBinned: out has length 3, expected bins.length / d = 4');
  refused(() => binned({ left: i32(0, -1, -1) }), 'RangeError', 'treePredictBinned: node 0: children 0, 1 are not after it inside the tree (3 nodes)');
  refused(() => binned({ feature: i32(2, 0, 0) }), 'RangeError', 'treePredictBinned: node 0: feature 2 is not in [0, d)');

  // Well-formed calls still run: every row gets the one node's value; the histogram sums g and h per bin.
  const pred = f(4);
  addon.leafAdd(rows, begin, end, Float64Array.of(2.5), pred);
  assert.deepEqual([...pred], [2.5, 2.5, 2.5, 2.5]);
  const h = f(12);
  addon.histBuild(bins, 2, off, Float64Array.of(1, 10, 2, 20, 3, 30, 4, 40), rows, begin, end, i32(0), h);
  assert.deepEqual([...h], [5, 50, 2, 20, 3, 30, 2, 20, 4, 40, 4, 40]);
});

test('the semantic tree checks run once, in TypeScript, before the addon', { skip: built ? false : 'native addon not built' }, () => {
  const nat = loadNative();
  assert.ok(nat !== null);
  const bins = Uint8Array.of(0, 1, 1, 0);
  const off = Int32Array.of(0, 2, 4);
  const rows = Uint32Array.of(0, 1);
  const split = (k: { splitFind: Fn }, lambda: number, minChildWeight: number): void =>
    k.splitFind(f(8), bins, 2, off, f(4), rows, Int32Array.of(0), Int32Array.of(0), Int32Array.of(2), f(1), f(1), Uint8Array.of(1, 1),
      lambda, minChildWeight, new Int32Array(1), new Int32Array(1), f(1), f(2));
  const wrapped = nat as unknown as { splitFind: Fn; histBuild: Fn; histSubtract: Fn };
  assert.throws(() => split(wrapped, -1, 1), { name: 'RangeError', message: 'ampfit kernels: splitFind: lambda must be >= 0 (got -1)' });
  assert.throws(() => split(wrapped, 1, -0.5), { name: 'RangeError', message: 'ampfit kernels: splitFind: minChildWeight must be >= 0 (got -0.5)' });
  assert.throws(() => wrapped.histBuild(bins, 2, off, f(4), rows, Int32Array.of(0, 1), Int32Array.of(1, 2), Int32Array.of(0, 0), f(16)), {
    message: 'ampfit kernels: histBuild: slot[1] = 0 is written twice',
  });
  assert.throws(() => wrapped.histSubtract(f(24), 4, Int32Array.of(0, 1), Int32Array.of(1, 2), Int32Array.of(2, 2)), {
    message: 'ampfit kernels: histSubtract: a[0] = 1 is written by another entry',
  });
  // The addon alone leaves them to TypeScript: a negative λ stays inside every array.
  assert.doesNotThrow(() => split(addon as unknown as { splitFind: Fn }, -1, 1));
});
