// σ_syst survives export: the ONNX graph of a heteroscedastic model has a
// second output, and its C export <name>_eval_sigma(_batch), both agreeing
// with Surrogate.predictUncertain for each kind of output map; ensembles and
// BNNs export all their weight vectors and average them as ampfit does.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import ort from 'onnxruntime-node';
import { validateConfig } from '../../src/config/load.js';
import { describeSurrogate } from '../../src/export/describe.js';
import { exportC } from '../../src/export/c/index.js';
import { exportOnnx } from '../../src/export/onnx.js';
import { loadModel } from '../../src/models/surrogate.js';
import { runTraining } from '../../src/training/run.js';
import { memoryLogger } from '../../src/util/log.js';
import { Rng } from '../../src/util/rng.js';
import { SAMPLE_2D, tempDir } from '../helpers.js';
import { haveGcc, runSigmaC } from '../export/fixtures.js';

/** As test/export: float64 graphs agree with ampfit to rounding. */
const AGREEMENT = 1e-12;

async function trained(transform: string, uncertainty = 'heteroscedastic'): Promise<string> {
  const config = validateConfig(
    {
      data: { files: SAMPLE_2D, target: 'f01', born: 'f00', max_rows: 1500 },
      model_type: 'skdnn', depth: 1, width: 8, activation: 'silu', batch_size: 128, steps_per_epoch: null, epochs: 2, decay_epochs: 2,
      target_transform: transform, seed: 2, backend: 'typescript', uncertainty, ensemble_members: 2, bnn_samples: 8,
    },
    'test',
  );
  const dir = join(tempDir(), 'm');
  await runTraining({ config, outDir: dir, log: memoryLogger() });
  return dir;
}

function maxRel(a: Float64Array, b: Float64Array): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]) / Math.abs(b[i]));
  return max;
}

for (const transform of ['standardize', 'log-standardize', 'asinh-standardize']) {
  test(`ONNX and C exports of a heteroscedastic model: y and σ_syst agree with predictUncertain (${transform})`, async () => {
    const model = loadModel(await trained(transform));
    const description = describeSurrogate(model);
    const sigmaOp = description.graph.ops.find((op) => op.kind === 'sigma');
    assert.ok(description.graph.outputs.sigma !== null && sigmaOp?.kind === 'sigma' && sigmaOp.scale !== 1);
    const rng = new Rng(transform);
    const n = 257;
    const x = Float64Array.from({ length: 2 * n }, () => rng.uniform());
    const expected = model.predictUncertain(x, n);
    const session = await ort.InferenceSession.create(exportOnnx(description, 'het'), { intraOpNumThreads: 1, interOpNumThreads: 1 });
    const out = await session.run({ x: new ort.Tensor('float64', x, [n, 2]) });
    await session.release();
    assert.deepEqual(out.sigma_syst.dims, [n, 1]);
    const y = maxRel(out.y.data as Float64Array, expected.value);
    const s = maxRel(out.sigma_syst.data as Float64Array, expected.sigmaSyst);
    assert.ok(y <= AGREEMENT && s <= AGREEMENT, `max relative difference: y ${y}, σ ${s}`);
    if (haveGcc()) {
      const c = runSigmaC(exportC(description, 'het'), x, n, 2);
      for (const [what, got, want] of [['C y', c.y, expected.value], ['C σ', c.sigma, expected.sigmaSyst], ['C single y', c.yOne, expected.value], ['C single σ', c.sigmaOne, expected.sigmaSyst], ['C eval', c.yPlain, expected.value]] as const) {
        const d = maxRel(got, want);
        assert.ok(d <= AGREEMENT, `${what}: max relative difference ${d}`);
      }
    }
  });
}

for (const method of ['ensemble', 'bnn']) {
  test(`ONNX and C exports of a ${method}: y and σ_syst, averaged over its weight vectors, agree with predictUncertain`, async () => {
    const model = loadModel(await trained('log-standardize', method));
    const description = describeSurrogate(model);
    const variances = description.graph.ops.filter((op) => op.kind === 'variance').length;
    assert.equal(variances, method === 'bnn' ? 8 : 2);
    const rng = new Rng(method);
    const n = 129;
    const x = Float64Array.from({ length: 2 * n }, () => rng.uniform());
    const expected = model.predictUncertain(x, n);
    const session = await ort.InferenceSession.create(exportOnnx(description, method), { intraOpNumThreads: 1, interOpNumThreads: 1 });
    const out = await session.run({ x: new ort.Tensor('float64', x, [n, 2]) });
    await session.release();
    const y = maxRel(out.y.data as Float64Array, expected.value);
    const s = maxRel(out.sigma_syst.data as Float64Array, expected.sigmaSyst);
    assert.ok(y <= AGREEMENT && s <= AGREEMENT, `ONNX max relative difference: y ${y}, σ ${s}`);
    if (haveGcc()) {
      const c = runSigmaC(exportC(description, method), x, n, 2);
      for (const [what, got, want] of [['C y', c.y, expected.value], ['C σ', c.sigma, expected.sigmaSyst], ['C single σ', c.sigmaOne, expected.sigmaSyst], ['C eval', c.yPlain, expected.value]] as const) {
        const d = maxRel(got, want);
        assert.ok(d <= AGREEMENT, `${what}: max relative difference ${d}`);
      }
    }
  });
}
