// σ_syst survives export: the ONNX graph of a heteroscedastic model has a
// second output, and its C export <name>_eval_sigma(_batch), both agreeing
// with Surrogate.predictUncertain for each kind of output map; ensembles and
// BNNs export all their weight vectors and average them as ampfit does.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import ort from 'onnxruntime-node';
import { validateConfig } from '../../src/config/load.js';
import { describeSurrogate } from '../../src/export/describe.js';
import { exportC, type CExport } from '../../src/export/c/index.js';
import { exportOnnx } from '../../src/export/onnx.js';
import { loadModel } from '../../src/models/surrogate.js';
import { runTraining } from '../../src/training/run.js';
import { memoryLogger } from '../../src/util/log.js';
import { Rng } from '../../src/util/rng.js';
import { SAMPLE_2D, tempDir } from '../helpers.js';
import { haveGcc } from '../export/fixtures.js';

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

/** Compiles the export with a driver (warnings as errors) and runs eval_sigma_batch, eval_sigma and eval on x. */
function runC(c: CExport, x: Float64Array, n: number): { y: Float64Array; sigma: Float64Array; yOne: Float64Array; sigmaOne: Float64Array; yPlain: Float64Array } {
  const dir = tempDir();
  writeFileSync(join(dir, `${c.name}.c`), c.source);
  writeFileSync(join(dir, `${c.name}.h`), c.header);
  writeFileSync(join(dir, 'x.bin'), x);
  writeFileSync(join(dir, 'driver.c'), `#include <stdio.h>
#include "${c.name}.h"
static double x[${x.length}], out[5 * ${n}];
int main(void) {
  size_t i;
  FILE *f = fopen("${join(dir, 'x.bin')}", "rb");
  if (!f || fread(x, sizeof(double), ${x.length}, f) != ${x.length}) return 3;
  fclose(f);
  ${c.name}_eval_sigma_batch(x, ${n}, out, out + ${n});
  for (i = 0; i < ${n}; i++) {
    out[2 * ${n} + i] = ${c.name}_eval_sigma(x + 2 * i, out + 3 * ${n} + i);
    out[4 * ${n} + i] = ${c.name}_eval(x + 2 * i);
  }
  f = fopen("${join(dir, 'out.bin')}", "wb");
  if (!f || fwrite(out, sizeof(double), 5 * ${n}, f) != 5 * ${n}) return 5;
  fclose(f);
  return 0;
}
`);
  const exe = join(dir, 'driver');
  const cc = spawnSync('gcc', ['-O2', '-std=c99', '-Wall', '-Wextra', '-pedantic', '-Werror', '-o', exe, join(dir, 'driver.c'), join(dir, `${c.name}.c`), '-lm'], { encoding: 'utf8' });
  assert.equal(cc.status, 0, cc.stderr);
  const run = spawnSync(exe, [], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
  const all = new Float64Array(new Uint8Array(readFileSync(join(dir, 'out.bin'))).buffer);
  const part = (k: number): Float64Array => all.slice(k * n, (k + 1) * n);
  if (spawnSync('gfortran', ['--version']).status === 0) {
    writeFileSync(join(dir, `${c.name}.f90`), c.fortran);
    const fc = spawnSync('gfortran', ['-c', '-Wall', '-Werror', '-o', join(dir, 'f.o'), join(dir, `${c.name}.f90`)], { encoding: 'utf8', cwd: dir });
    assert.equal(fc.status, 0, fc.stderr);
  }
  return { y: part(0), sigma: part(1), yOne: part(2), sigmaOne: part(3), yPlain: part(4) };
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
      const c = runC(exportC(description, 'het'), x, n);
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
      const c = runC(exportC(description, method), x, n);
      for (const [what, got, want] of [['C y', c.y, expected.value], ['C σ', c.sigma, expected.sigmaSyst], ['C single σ', c.sigmaOne, expected.sigmaSyst], ['C eval', c.yPlain, expected.value]] as const) {
        const d = maxRel(got, want);
        assert.ok(d <= AGREEMENT, `${what}: max relative difference ${d}`);
      }
    }
  });
}
