// Boosted-tree (bdt) exports: a forest trained on the zz2d sample and
// synthetic forests with awkward thresholds, exported to C (gcc) and ONNX
// (onnxruntime-node), compared with Surrogate.predict on sample points and on
// points at, just beside and exactly between the float32 neighbours of every
// threshold — where float32(x) < threshold decides.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { validateConfig } from '../../src/config/load.js';
import { exportC, hexFloat32 } from '../../src/export/c/index.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { describeSurrogate, forestLayout, treeDepths, type ExportModel, type ForestBody } from '../../src/export/describe.js';
import { exportOnnx, ONNX_IR_VERSION_ML, ONNX_ML_OPSET, ONNX_OPSET } from '../../src/export/onnx.js';
import { reference } from '../../src/kernels/reference.js';
import { nNodes, type Forest } from '../../src/models/gbdt/forest.js';
import { loadModel, type Surrogate } from '../../src/models/surrogate.js';
import { runTraining } from '../../src/training/run.js';
import { memoryLogger } from '../../src/util/log.js';
import { Rng } from '../../src/util/rng.js';
import { SAMPLE_2D, tempDir } from '../helpers.js';
import {
  AGREEMENT, aroundThreshold, bitDifferences, compileC, haveGcc, maxRelativeDifference, nextFloat32, syntheticForest, testPoints,
  thresholdPoints, writeForestModel,
} from './fixtures.js';

const { onnx } = onnxProto;
const noGcc = haveGcc() ? false : 'gcc is not installed';
const haveGfortran = spawnSync('gfortran', ['--version']).status === 0;

// A bdt trained briefly on the zz2d sample (Born-normalised, log-standardised).
const work = tempDir('ampfit-forest-export-');
const trainedDir = join(work, 'zz2d-bdt');
const trained = runTraining({
  config: validateConfig(
    {
      data: { files: SAMPLE_2D, target: 'f01', born: 'f00', max_rows: 6000 },
      model_type: 'bdt', learning_rate: 0.1, max_depth: 6, n_estimators: 50, target_transform: 'log-standardize', seed: 11, threads: 1,
    },
    'forest export test',
  ),
  outDir: trainedDir,
  log: memoryLogger(),
});
trained.catch(() => undefined);

/** Thresholds where float32 rounding, signs, zeros, subnormals, the top of the float range and infinities matter. */
const EDGE_THRESHOLDS = [
  0, 1, 0.5, 0.25, Math.fround(0.1), Math.fround(1 / 3), Math.fround(2 / 3), 1 - 2 ** -24, 1 + 2 ** -23, 2 ** -149, -(2 ** -149), 2 ** -126,
  Math.fround(1e-30), -0.25, Math.fround(-1 / 3), Math.fround(3.4e38), -Math.fround(3.4e38), Infinity, -Infinity,
  // Thresholds whose float32 neighbour below has an odd significand (ties round up to the threshold) and an even one.
  nextFloat32(0.75, 1), nextFloat32(0.75, -1), nextFloat32(Math.fround(0.1), 1),
];

interface ForestCase {
  readonly label: string;
  readonly forest: Forest;
  readonly dir: string;
  readonly points: () => Promise<{ x: Float64Array; n: number }>;
}

function edgeCase(): ForestCase {
  const forest = syntheticForest({
    d: 3, trees: 40, maxDepth: 7, seed: 5, baseScore: 0.37, splitProbability: 0.8, thresholds: EDGE_THRESHOLDS,
    valueScale: 0.05, valueSpread: 3, singleLeafEvery: 7,
  });
  const dir = writeForestModel(forest, { kind: 'asinh-standardize', shift: 0.3, scale: 0.8, unit: 0.01 }, null);
  return {
    label: 'synthetic 3D forest, edge thresholds (±0, subnormal, FLT_MAX, ±inf), single-leaf trees, asinh-standardize',
    forest,
    dir,
    points: async () => {
      const rng = new Rng(3);
      const base = new Float64Array(300 * 3).map(() => 1.5 * rng.uniform() - 0.25);
      const { x } = thresholdPoints(forest, 3, base);
      // Non-finite and out-of-float-range inputs: NaN goes right, huge values round to ±inf in float32.
      const special = [NaN, Infinity, -Infinity, 3.5e38, -3.5e38, 1e300, 5e-324, -0];
      const rows: number[] = [];
      for (const v of special) for (let j = 0; j < 3; j++) rows.push(...[0.3, 0.6, 0.9].map((w, i) => (i === j ? v : w)));
      const all = Float64Array.from([...x, ...rows]);
      return { x: all, n: all.length / 3 };
    },
  };
}

let cases: Promise<ForestCase[]> | null = null;
function allCases(): Promise<ForestCase[]> {
  cases ??= (async () => {
    await trained;
    const model = loadModel(trainedDir);
    const forest = (model.regressor as unknown as { forest: Forest }).forest;
    return [
      {
        label: 'bdt trained on zz2d (eta 0.1, depth 6, 50 trees), Born ratio, log-standardize',
        forest,
        dir: trainedDir,
        points: async () => {
          const { x } = await testPoints(2);
          return thresholdPoints(forest, 2, x);
        },
      },
      edgeCase(),
    ];
  })();
  return cases;
}

/** The model with its output map replaced by the identity: the export returns the forest's raw sum. */
function rawSum(m: ExportModel): ExportModel {
  const ops = m.graph.ops.map((op) => (op.kind === 'inverseTransform' ? { ...op, transform: { kind: 'none' as const, shift: 0, scale: 1 } } : op));
  return { ...m, graph: { ...m.graph, ops } };
}

/** The forest op of a model's graph. */
function forestOf(m: ExportModel): ForestBody {
  const op = m.graph.ops.find((o) => o.kind === 'forest');
  assert.ok(op?.kind === 'forest', 'the graph has a forest op');
  return op.forest;
}

async function runOnnx(bytes: Uint8Array, x: Float64Array, n: number, d: number, threads = 1): Promise<Float64Array> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1 });
  const out = await session.run({ x: new ort.Tensor('float64', x, [n, d]) });
  await session.release();
  assert.equal(out.y.type, 'float64');
  assert.deepEqual(out.y.dims, [n, 1]);
  return out.y.data as Float64Array;
}

let compiled: Promise<{ run: ReturnType<typeof compileC>['run']; models: ExportModel[]; surrogates: Surrogate[] }> | null = null;
/** Every case exported to C twice (as is, and with the identity output map), compiled with one driver. */
function buildC() {
  compiled ??= (async () => {
    const cs = await allCases();
    const surrogates = cs.map((c) => loadModel(c.dir));
    const models = surrogates.map((s) => describeSurrogate(s));
    const exports = [...models.map((m, k) => exportC(m, `f${k}`)), ...models.map((m, k) => exportC(rawSum(m), `raw${k}`))];
    const { run } = compileC(exports, tempDir('ampfit-forest-c-'));
    return { run, models, surrogates };
  })();
  return compiled;
}

test('a bdt model is described as a forest: its arrays, base score and label; the layout the exporters use walks to the same leaves', async () => {
  const cs = await allCases();
  for (const c of cs) {
    const model = loadModel(c.dir);
    const d = describeSurrogate(model);
    assert.deepEqual(d.graph.ops.map((o) => o.kind), ['forest', 'inverseTransform']);
    const body = forestOf(d);
    assert.equal(body.baseScore, c.forest.baseScore);
    assert.deepEqual(body.threshold, c.forest.threshold);
    assert.equal(d.info.parameterCount, nNodes(c.forest));
    assert.match(d.info.model, /: forest of \d+ trees? \([\d,]+ nodes, depth ≤ \d+\)$/);
    // Walk the renumbered layout in TypeScript: same sums as the reference kernel, bit for bit.
    const L = forestLayout(body);
    const { x, n } = await c.points();
    const want = new Float64Array(n);
    reference.forestPredict(x, n, body.inputDim, body.treeOffset, body.feature, body.threshold, body.left, body.value, body.baseScore, want);
    const got = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      let s = body.baseScore;
      for (let t = 0; t < L.nTrees; t++) {
        let r = L.root[t];
        while (r >= 0) r = L.child[2 * r + (Math.fround(x[i * body.inputDim + L.feature[r]]) < L.threshold[r] ? 0 : 1)];
        s += L.leaf[~r];
      }
      got[i] = s;
    }
    assert.equal(bitDifferences(got, want), 0, c.label);
    const depths = treeDepths(body);
    assert.ok(depths.every((v) => v <= 7));
  }
  const trainedBody = forestOf(describeSurrogate(loadModel(cs[0].dir)));
  assert.equal(trainedBody.treeOffset.length - 1 <= 50, true);
  assert.equal(Math.max(...treeDepths(trainedBody)), 6);
});

test('the threshold probes bracket each threshold in float32 and in float64', () => {
  const t = Math.fround(0.1);
  const v = aroundThreshold(t);
  // t, t ∓ 1 ulp in double (round to t), the float32 below, the tie with it (t is odd: ties go down),
  // just below and just above that tie, the float32 above, the tie with it and its neighbours.
  assert.deepEqual(v.map((u) => Math.fround(u) < t), [false, false, false, true, true, true, false, false, false, false, false]);
  assert.equal(hexFloat32(t), '0x1.99999ap-4f');
  assert.equal(hexFloat32(2 ** -149), '0x1p-149f');
  assert.equal(hexFloat32(-Infinity), '-INFINITY');
  assert.throws(() => hexFloat32(0.1), /not a float32 value/);
});

test(`C export of forests (gcc -O2 -std=c99) agrees with Surrogate.predict to ${AGREEMENT} relative, and the raw sum bit for bit, at every threshold`, { skip: noGcc }, async () => {
  const cs = await allCases();
  const { run, surrogates } = await buildC();
  for (const [k, c] of cs.entries()) {
    const { x, n } = await c.points();
    const model = surrogates[k];
    const expected = model.predict(x, n);
    const { batch, single } = run(k, x);
    const { max, at } = maxRelativeDifference(batch, expected);
    if (process.env.AMPFIT_SHOW_AGREEMENT === '1') process.stderr.write(`C ${c.label}: ${max} on ${n} points\n`);
    assert.ok(max <= AGREEMENT, `${c.label}: max relative difference ${max} at point ${at}: C ${batch[at]} vs ampfit ${expected[at]}`);
    assert.equal(bitDifferences(single, batch), 0, 'eval and eval_batch differ');
    // Same decisions and the same summation order: the regressor's output exactly.
    const raw = run(cs.length + k, x);
    assert.equal(bitDifferences(raw.batch, model.regressor.predict(x, n)), 0, `${c.label}: raw forest sum differs`);
    assert.equal(bitDifferences(raw.single, raw.batch), 0);
  }
});

test('C eval_batch equals eval at batch sizes around its 1024-point block and its 64-point minimum block', { skip: noGcc }, async () => {
  const cs = await allCases();
  const { run } = await buildC();
  const { x } = await cs[0].points();
  for (const n of [1, 2, 63, 64, 65, 1023, 1024, 1025, 1087, 1088, 2100]) {
    const { batch, single } = run(0, x.subarray(0, 2 * n));
    assert.equal(batch.length, n);
    assert.equal(bitDifferences(single, batch), 0, `n = ${n}`);
  }
});

test(`ONNX export of forests (TreeEnsemble, onnxruntime-node, 1 thread) agrees with Surrogate.predict to ${AGREEMENT} relative, and the raw sum bit for bit`, async () => {
  for (const c of await allCases()) {
    const model = loadModel(c.dir);
    const desc = describeSurrogate(model);
    const { x, n } = await c.points();
    const expected = model.predict(x, n);
    const got = await runOnnx(exportOnnx(desc, 'forest'), x, n, model.d);
    const { max, at } = maxRelativeDifference(got, expected);
    if (process.env.AMPFIT_SHOW_AGREEMENT === '1') process.stderr.write(`ONNX ${c.label}: ${max} on ${n} points\n`);
    assert.ok(max <= AGREEMENT, `${c.label}: max relative difference ${max} at point ${at}: onnx ${got[at]} vs ampfit ${expected[at]}`);
    const raw = await runOnnx(exportOnnx(rawSum(desc), 'forest'), x, n, model.d);
    assert.equal(bitDifferences(raw, model.regressor.predict(x, n)), 0, `${c.label}: raw forest sum differs`);
  }
});

test(`ONNX forests on 2 intra-op threads (trees summed in slices) still agree to ${AGREEMENT} relative`, async () => {
  for (const c of await allCases()) {
    const model = loadModel(c.dir);
    const { x, n } = await c.points();
    const got = await runOnnx(exportOnnx(describeSurrogate(model), 'forest'), x, n, model.d, 2);
    const { max } = maxRelativeDifference(got, model.predict(x, n));
    if (process.env.AMPFIT_SHOW_AGREEMENT === '1') process.stderr.write(`ONNX 2 threads ${c.label}: ${max}\n`);
    assert.ok(max <= AGREEMENT, `${c.label}: ${max}`);
  }
});

test('the forest ONNX graph: float64 TreeEnsemble (ai.onnx.ml 5, IR 10) after an exact float32 rounding of x, base score in tree 0', async () => {
  const cs = await allCases();
  const model = loadModel(cs[0].dir);
  const desc = describeSurrogate(model);
  const m = onnx.ModelProto.decode(exportOnnx(desc, 'zz2d'));
  assert.equal(Number(m.irVersion), ONNX_IR_VERSION_ML);
  assert.deepEqual(m.opsetImport.map((o) => [o.domain, Number(o.version)]), [['', ONNX_OPSET], ['ai.onnx.ml', ONNX_ML_OPSET]]);
  const g = m.graph as onnxProto.onnx.GraphProto;
  assert.deepEqual(g.node.slice(0, 3).map((n) => n.opType), ['Cast', 'Cast', 'TreeEnsemble']);
  assert.deepEqual(g.node.slice(0, 2).map((n) => Number(n.attribute?.[0].i)), [onnx.TensorProto.DataType.FLOAT, onnx.TensorProto.DataType.DOUBLE]);
  const te = g.node[2];
  assert.equal(te.domain, 'ai.onnx.ml');
  const attr = Object.fromEntries((te.attribute ?? []).map((a) => [a.name, a]));
  const body = forestOf(desc);
  const L = forestLayout(body);
  assert.equal(attr.nodes_splits.t?.dataType, onnx.TensorProto.DataType.DOUBLE);
  assert.equal(attr.leaf_weights.t?.dataType, onnx.TensorProto.DataType.DOUBLE);
  const splits = new Float64Array(Uint8Array.from(attr.nodes_splits.t?.rawData ?? []).buffer);
  const weights = new Float64Array(Uint8Array.from(attr.leaf_weights.t?.rawData ?? []).buffer);
  // Internal nodes as ampfit has them, plus one per single-leaf tree; thresholds the float32 values.
  const singles = Array.from(L.root).filter((r) => r < 0).length;
  assert.equal(splits.length, L.feature.length + singles);
  assert.deepEqual(splits.subarray(0, L.feature.length), Float64Array.from(L.threshold));
  assert.equal(weights.length, L.leaf.length);
  for (let j = 0; j < L.leaf.length; j++) assert.equal(weights[j], L.leafTree[j] === 0 ? body.baseScore + L.leaf[j] : L.leaf[j]);
  assert.deepEqual(Uint8Array.from(attr.nodes_modes.t?.rawData ?? []), new Uint8Array(splits.length).fill(1));
  assert.equal(g.input[0].type?.tensorType?.elemType, onnx.TensorProto.DataType.DOUBLE);
  assert.equal(g.output[0].type?.tensorType?.elemType, onnx.TensorProto.DataType.DOUBLE);
  const meta = Object.fromEntries(m.metadataProps.map((p) => [p.key, p.value]));
  assert.equal(meta['ampfit.returns'], 'the ratio f01/f00');
  assert.equal(Number(meta['ampfit.base_score']), body.baseScore);
  // Batches of one and of an odd size run too.
  for (const n of [1, 7]) {
    const x = new Float64Array(n * 2).fill(0.25);
    const got = await runOnnx(exportOnnx(desc, 'zz2d'), x, n, 2);
    assert.ok(maxRelativeDifference(got, model.predict(x, n)).max <= AGREEMENT);
  }
});

/** Forests with no trees, or only single-leaf trees, as export descriptions (no model file needed). */
function degenerate(trees: number): { model: ExportModel; want: (x: Float64Array, n: number) => Float64Array } {
  const f = syntheticForest({ d: 2, trees, maxDepth: 0, seed: 1, baseScore: -1.25, splitProbability: 0, valueScale: 1, valueSpread: 2 });
  const body: ForestBody = { inputDim: 2, baseScore: f.baseScore, treeOffset: f.treeOffset, feature: f.feature, threshold: f.threshold, left: f.left, value: f.value };
  const g = new GraphBuilder(['a', 'b']);
  const model: ExportModel = {
    inputDim: 2,
    graph: g.finish(g.inverseTransform(g.forest(0, body), { kind: 'standardize', shift: 0.5, scale: 2 }), null),
    info: {
      ampfitVersion: 'test', model: `BDT ${trees} trees`, inputs: ['a', 'b'], inputKind: 'coordinates', target: 'y', born: null, returns: 'y',
      transform: { kind: 'standardize', shift: 0.5, scale: 2 }, parameterCount: trees, created: 'now', seed: 0, testR: null,
    },
  };
  const want = (x: Float64Array, n: number): Float64Array => {
    const out = new Float64Array(n);
    reference.forestPredict(x, n, 2, f.treeOffset, f.feature, f.threshold, f.left, f.value, f.baseScore, out);
    return out.map((t) => t * 2 + 0.5);
  };
  return { model, want };
}

test('forests without trees, or with single-leaf trees only, export to C and ONNX', { skip: noGcc }, async () => {
  const x = Float64Array.from([0.1, 0.2, 0.7, 0.9, NaN, 3]);
  const cases = [degenerate(0), degenerate(5)];
  const { run } = compileC(cases.map((c, k) => exportC(c.model, `deg${k}`)), tempDir('ampfit-forest-deg-'));
  for (const [k, c] of cases.entries()) {
    const want = c.want(x, 3);
    const fromC = run(k, x);
    assert.equal(bitDifferences(fromC.batch, want), 0);
    assert.equal(bitDifferences(fromC.single, want), 0);
    const fromOnnx = await runOnnx(exportOnnx(c.model, 'deg'), x, 3, 2);
    assert.equal(bitDifferences(fromOnnx, want), 0);
  }
});

test('a larger forest (300 trees to depth 10, ~100k nodes) compiles warning-free and agrees bit for bit', { skip: noGcc }, async () => {
  const forest = syntheticForest({ d: 4, trees: 300, maxDepth: 10, seed: 9, baseScore: 0.1, splitProbability: 0.75, valueScale: 0.01, valueSpread: 1 });
  assert.ok(nNodes(forest) > 50_000, `${nNodes(forest)} nodes`);
  const dir = writeForestModel(forest, { kind: 'standardize', shift: 2, scale: 0.5 }, null);
  const model = loadModel(dir);
  const desc = rawSum(describeSurrogate(model));
  const { run } = compileC([exportC(desc, 'big')], tempDir('ampfit-forest-big-'));
  const rng = new Rng(21);
  const x = new Float64Array(4 * 3000).map(() => rng.uniform());
  const want = model.regressor.predict(x, 3000);
  const got = run(0, x);
  assert.equal(bitDifferences(got.batch, want), 0);
  assert.equal(bitDifferences(got.single, want), 0);
  assert.equal(bitDifferences(await runOnnx(exportOnnx(desc, 'big'), x, 3000, 4), want), 0);
});

test('a Fortran program calls an exported forest through the generated module', { skip: noGcc || (haveGfortran ? false : 'gfortran is not installed') }, async () => {
  await trained;
  const surrogate = loadModel(trainedDir);
  const out = exportC(describeSurrogate(surrogate), 'zz2d_bdt');
  const dir = tempDir('ampfit-forest-f90-');
  writeFileSync(join(dir, 'zz2d_bdt.c'), out.source);
  writeFileSync(join(dir, 'zz2d_bdt.h'), out.header);
  writeFileSync(join(dir, 'zz2d_bdt.f90'), out.fortran);
  writeFileSync(
    join(dir, 'main.f90'),
    `program main
  use zz2d_bdt_ampfit
  implicit none
  real(c_double) :: x(zz2d_bdt_n_inputs), xs(zz2d_bdt_n_inputs, 3), ys(3)
  integer :: i
  x = [0.1d0, 0.7d0]
  do i = 1, 3
    xs(:, i) = x / i
  end do
  call zz2d_bdt_eval_batch(xs, int(3, c_size_t), ys)
  write (*, '(es25.17)') zz2d_bdt_eval(x), ys
end program main
`,
  );
  const exe = join(dir, 'main');
  const r = spawnSync('sh', ['-c', `gcc -O2 -std=c99 -c zz2d_bdt.c && gfortran -O2 -std=f2008 zz2d_bdt.f90 main.f90 zz2d_bdt.o -lm -o ${exe} && ${exe}`], { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const got = r.stdout.trim().split(/\s+/).map(Number);
  const x = new Float64Array([0.1, 0.7, 0.1, 0.7, 0.1 / 2, 0.7 / 2, 0.1 / 3, 0.7 / 3]);
  const want = surrogate.predict(x, 4);
  assert.ok(maxRelativeDifference(got, want).max <= AGREEMENT, `${got} vs ${want}`);
});
