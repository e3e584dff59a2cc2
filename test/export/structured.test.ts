// Models with periodic inputs and an angular head (src/nn/structuredNetwork.ts)
// export: the input stage and the harmonic head are ops of the model graph,
// and ONNX and C agree with the network's own predictions to 1e-12, for
// l ≤ 1 and l ≤ 2, asinh and linear target transforms, and a periodic-only stage.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import ort from 'onnxruntime-node';
import { exportC } from '../../src/export/c/index.js';
import type { ExportModel } from '../../src/export/describe.js';
import { exportOnnx } from '../../src/export/onnx.js';
import { stageWidth, type InputStageSpec } from '../../src/features/angular.js';
import { GraphBuilder } from '../../src/graph/builder.js';
import { parseNetworkConfig } from '../../src/nn/config.js';
import { glorotUniform } from '../../src/nn/init.js';
import { Network } from '../../src/nn/network.js';
import { innerOutputs, StructuredNetwork } from '../../src/nn/structuredNetwork.js';
import { TargetTransform, type TargetTransformJSON } from '../../src/transforms/target.js';
import { Rng } from '../../src/util/rng.js';
import { join } from 'node:path';
import { loadConfig } from '../../src/config/load.js';
import { describeSurrogate } from '../../src/export/describe.js';
import { loadModel } from '../../src/models/surrogate.js';
import { runTraining } from '../../src/training/run.js';
import { memoryLogger } from '../../src/util/log.js';
import { REPO, SHARED_DATA, tempDir } from '../helpers.js';
import { referenceKernels, uniformPoints } from '../nn/helpers.js';
import { AGREEMENT, compileC, haveGcc, maxRelativeDifference } from './fixtures.js';

const decays = [
  { name: 'a', cos: { index: 2, offset: -1, scale: 2 }, phi: { index: 3, offset: 0, scale: 2 * Math.PI } },
  { name: 'b', cos: { index: 4, offset: -1, scale: 2 }, phi: { index: 5, offset: 0, scale: 2 * Math.PI } },
];

function network(stage: InputStageSpec, transform: TargetTransformJSON | null, seed: number): StructuredNetwork {
  const outputs = innerOutputs(stage, false);
  const width = stageWidth(stage);
  const inner = new Network(parseNetworkConfig({ type: 'skdnn', inputDim: width, depth: 1, width: 6, activation: { name: 'silu', param: 0 }, outputs }), referenceKernels);
  glorotUniform(inner.plan, inner.params, new Rng(seed));
  const last = inner.layers()[inner.layers().length - 1];
  for (let i = 0; i < last.w.length; i++) if (i % outputs !== 0) last.w[i] *= 0.2;
  return new StructuredNetwork(stage, transform, inner);
}

function exported(net: StructuredNetwork, transform: TargetTransformJSON): ExportModel {
  const names = Array.from({ length: net.inputDim }, (_, j) => `x${j + 1}`);
  const g = new GraphBuilder(names);
  const graph = g.finish(g.inverseTransform(net.emit(g, 0), transform), null);
  return {
    inputDim: net.inputDim, graph,
    info: {
      ampfitVersion: 'test', model: 'structured', inputs: names, inputKind: 'coordinates', target: 'y', born: null, returns: 'y',
      transform, parameterCount: net.paramCount, created: 'now', seed: 0, testR: null,
    },
  };
}

const CASES: { label: string; stage: InputStageSpec; kind: 'asinh-standardize' | 'standardize' | null }[] = [
  { label: 'l ≤ 1, asinh', stage: { inputDim: 6, plain: [0], periodic: [{ index: 1, period: 1 }], logEdges: [], angular: { lMax: 1, decays } }, kind: 'asinh-standardize' },
  { label: 'l ≤ 2, linear', stage: { inputDim: 6, plain: [0, 1], periodic: [], logEdges: [], angular: { lMax: 2, decays } }, kind: 'standardize' },
  { label: 'l ≤ 2, one decay, asinh', stage: { inputDim: 6, plain: [0, 1, 4, 5], periodic: [], logEdges: [], angular: { lMax: 2, decays: decays.slice(0, 1) } }, kind: 'asinh-standardize' },
  { label: 'periodic only', stage: { inputDim: 6, plain: [0, 2, 4], periodic: [{ index: 1, period: 1 }, { index: 3, period: 0.5 }, { index: 5, period: 2 }], logEdges: [], angular: null }, kind: null },
  { label: 'edge logarithms, periodic and l ≤ 2', stage: { inputDim: 6, plain: [0, 1], periodic: [{ index: 1, period: 1 }], logEdges: [0, 1], angular: { lMax: 2, decays } }, kind: 'asinh-standardize' },
  { label: 'edge logarithms only', stage: { inputDim: 6, plain: [0, 1, 2, 3, 4, 5], periodic: [], logEdges: [1, 4], angular: null }, kind: null },
];

for (const [k, c] of CASES.entries()) {
  test(`a structured model exports to ONNX and C (${c.label}), agreeing with predict to 1e-12`, async () => {
    const y = Float64Array.from({ length: 60 }, (_, i) => 0.02 + 0.01 * i - 0.1 * (i % 7 === 0 ? 1 : 0));
    const transform = TargetTransform.fit(c.kind ?? 'standardize', y);
    const net = network(c.stage, c.kind === null ? null : transform.toJSON(), 20 + k);
    const n = 300;
    const x = uniformPoints(new Rng(`x${k}`), n, 6);
    // The angles' ends: cos θ = ±1 and φ = 0, 2π.
    for (const [r, v] of [[0, 0], [1, 1]] as const) for (let j = 2; j < 6; j++) x[r * 6 + j] = v;
    // The edge logarithms' floor: x = 0 and 1 in every column.
    for (const [r, v] of [[2, 0], [3, 1]] as const) for (let j = 0; j < 6; j++) x[r * 6 + j] = v;
    const want = transform.inverseInPlace(net.predict(x, n));
    const model = exported(net, transform.toJSON());
    const kinds = new Set(model.graph.ops.map((op) => op.kind));
    assert.equal(kinds.has('angularHead'), c.stage.angular !== null);
    assert.equal(kinds.has('periodic'), c.stage.periodic.length > 0);
    assert.equal(kinds.has('logEdges'), c.stage.logEdges.length > 0);
    const session = await ort.InferenceSession.create(exportOnnx(model, 's'), { intraOpNumThreads: 1, interOpNumThreads: 1 });
    const got = (await session.run({ x: new ort.Tensor('float64', x, [n, 6]) })).y.data as Float64Array;
    await session.release();
    assert.ok(maxRelativeDifference(got, want).max <= AGREEMENT, `ONNX ${JSON.stringify(maxRelativeDifference(got, want))}`);
    if (!haveGcc()) return;
    const { batch, single } = compileC([exportC(model, `s${k}`)], tempDir('ampfit-structured-')).run(0, x);
    assert.ok(maxRelativeDifference(batch, want).max <= AGREEMENT, `C ${JSON.stringify(maxRelativeDifference(batch, want))}`);
    assert.ok(maxRelativeDifference(single, want).max <= AGREEMENT);
  });
}

test('the recommended zz8d recipe (angular head, Born-shape term, boson-swap symmetry) trains, and its model exports to ONNX and C', async () => {
  const config = loadConfig(join(REPO, 'examples/zz8d-best.json'), [
    `data.files=${JSON.stringify(join(SHARED_DATA, 'zz8d/zz8d_train_00.csv.gz'))}`, 'data.max_rows=3000', 'width=16', 'depth=1',
    'steps_per_epoch=5', 'epochs=2', 'time_budget_s=null', 'lr_clock="epochs"', 'batch_size=64',
  ]);
  const dir = join(tempDir(), 'zz8d');
  await runTraining({ config, outDir: dir, log: memoryLogger() });
  const model = loadModel(dir);
  const description = describeSurrogate(model);
  const kinds = new Set(description.graph.ops.map((op) => op.kind));
  for (const kind of ['orbit', 'angularHead', 'mean'] as const) assert.ok(kinds.has(kind), kind);
  const n = 200;
  const x = uniformPoints(new Rng('zz8d'), n, 8);
  const want = model.predict(x, n);
  const session = await ort.InferenceSession.create(exportOnnx(description, 'zz8d'), { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const got = (await session.run({ x: new ort.Tensor('float64', x, [n, 8]) })).y.data as Float64Array;
  await session.release();
  assert.ok(maxRelativeDifference(got, want).max <= AGREEMENT, `ONNX ${maxRelativeDifference(got, want).max}`);
  if (!haveGcc()) return;
  const { batch } = compileC([exportC(description, 'zz8d')], tempDir('ampfit-zz8d-')).run(0, x);
  assert.ok(maxRelativeDifference(batch, want).max <= AGREEMENT, `C ${maxRelativeDifference(batch, want).max}`);
});
