// L-GATr leaves ampfit: a ggyyg L-GATr (test/support/lgatrModel.ts) exported to ONNX (run in
// onnxruntime), to C (compiled with gcc) and called from Fortran agrees with Surrogate.predict to
// AGREEMENT relative on real phase-space points; the C function is Lorentz
// invariant (rotation + boost of every momentum) to ~1e-12; the stored graph
// round-trips.

import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import ort from 'onnxruntime-node';
import { describeSurrogate } from '../../src/export/describe.js';
import { exportC } from '../../src/export/c/index.js';
import { exportOnnx } from '../../src/export/onnx.js';
import { deserializeGraph, serializeGraph } from '../../src/graph/serialize.js';
import { loadModel, type Surrogate } from '../../src/models/surrogate.js';
import { Rng } from '../../src/util/rng.js';
import { tempDir } from '../helpers.js';
import { ggyygSlice, perturbedLgatr } from '../support/lgatrModel.js';
import { randomLorentz, transformMomenta } from '../nn/lgatr/lorentz.js';
import { AGREEMENT, compileC, haveGcc, maxRelativeDifference } from './fixtures.js';

const haveGfortran = spawnSync('gfortran', ['--version']).status === 0;
const work = tempDir('ampfit-lgatr-export-');
const N = 300;
const { csv, x } = ggyygSlice(work, N);
const dir = perturbedLgatr(work, csv);
const perturbedModel = async (): Promise<Surrogate> => loadModel(await dir);

test('an L-GATr graph lists every multivector op and survives serialization', async () => {
  const model = describeSurrogate(await perturbedModel());
  const kinds = model.graph.ops.map((op) => op.kind);
  for (const [kind, count] of [['mvEmbed', 1], ['mvNorm', 5], ['mvAttention', 2], ['mvBilinear', 4], ['mvGate', 4], ['mvLinear', 2 + 2 * 10], ['mvReadout', 1]] as const) {
    assert.equal(kinds.filter((k) => k === kind).length, count, kind);
  }
  assert.match(model.info.model, /2 × attention 2 heads/);
  const s = serializeGraph(model.graph);
  assert.deepEqual(serializeGraph(deserializeGraph(JSON.parse(JSON.stringify(s.json)), s.arrays)).json, s.json);
});

test(`ONNX export of a ggyyg L-GATr agrees with predict to ${AGREEMENT} relative`, async () => {
  const m = await perturbedModel();
  const want = m.predict(x, N);
  const session = await ort.InferenceSession.create(exportOnnx(describeSurrogate(m), 'lgatr'), { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const out = await session.run({ x: new ort.Tensor('float64', x, [N, 20]) });
  const got = out.y.data as Float64Array;
  const { max, at } = maxRelativeDifference(got, want);
  console.log(`# ONNX vs predict: max relative difference ${max.toExponential(2)}`);
  assert.ok(max <= AGREEMENT, `max relative difference ${max} at ${at}: ${got[at]} vs ${want[at]}`);
});

test(`C export of a ggyyg L-GATr agrees with predict to ${AGREEMENT} relative and is Lorentz invariant`, { skip: haveGcc() ? false : 'gcc is not installed' }, async () => {
  const m = await perturbedModel();
  const want = m.predict(x, N);
  // A model that varies over phase space, so that agreement and invariance test something.
  const spread = Math.max(...want) / Math.min(...want);
  console.log(`# predictions span a factor ${spread.toPrecision(3)}`);
  assert.ok(spread > 10, `predictions span only a factor ${spread}`);
  const c = compileC([exportC(describeSurrogate(m), 'lgatr')], work);
  const got = c.run(0, x);
  const { max, at } = maxRelativeDifference(got.batch, want);
  console.log(`# C vs predict: max relative difference ${max.toExponential(2)}`);
  assert.ok(max <= AGREEMENT, `max relative difference ${max} at ${at}: ${got.batch[at]} vs ${want[at]}`);
  assert.deepEqual(got.single, got.batch);
  const rng = new Rng('lgatr-export-lorentz');
  for (const beta of [0.3, 0.6]) {
    const moved = c.run(0, transformMomenta(randomLorentz(rng, beta), x));
    const r = maxRelativeDifference(moved.batch, got.batch).max;
    console.log(`# C, rotation + boost β = ${beta}: max relative change ${r.toExponential(2)}`);
    assert.ok(r < 1e-12, `β = ${beta}: max relative change ${r}`);
  }
});

// Three heads of two channels and three bilinear channels: no two of the shapes coincide, so a swapped loop bound shows.
test('ONNX and C exports of a one-block L-GATr with 3 heads agree with predict', { skip: haveGcc() ? false : 'gcc is not installed' }, async () => {
  const m = loadModel(await perturbedLgatr(work, csv, 'lgatr-3heads', { depth: 1, width: 6, lgatr_heads: 3 }));
  const want = m.predict(x, N);
  const model = describeSurrogate(m);
  const session = await ort.InferenceSession.create(exportOnnx(model, 'lgatr3'), { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const onnx = maxRelativeDifference((await session.run({ x: new ort.Tensor('float64', x, [N, 20]) })).y.data as Float64Array, want).max;
  const c = maxRelativeDifference(compileC([exportC(model, 'lgatr3')], tempDir('ampfit-lgatr3-')).run(0, x).batch, want).max;
  console.log(`# 3 heads: ONNX ${onnx.toExponential(2)}, C ${c.toExponential(2)}; predictions span a factor ${(Math.max(...want) / Math.min(...want)).toPrecision(3)}`);
  assert.ok(onnx <= AGREEMENT && c <= AGREEMENT, `ONNX ${onnx}, C ${c}`);
});

test('a Fortran program calls an exported L-GATr through the generated module', { skip: haveGcc() && haveGfortran ? false : 'gcc or gfortran is not installed' }, async () => {
  const m = await perturbedModel();
  const k = 3;
  const pts = x.slice(0, 20 * k);
  const want = m.predict(pts, k);
  const out = exportC(describeSurrogate(m), 'lgatr');
  const fdir = tempDir('ampfit-lgatr-f90-');
  writeFileSync(join(fdir, 'lgatr.c'), out.source);
  writeFileSync(join(fdir, 'lgatr.h'), out.header);
  writeFileSync(join(fdir, 'lgatr.f90'), out.fortran);
  // The points as Fortran double literals, one column per point (17 digits round-trip).
  const literals = Array.from(pts, (v) => v.toExponential(17).replace('e', 'd'));
  writeFileSync(
    join(fdir, 'main.f90'),
    `program main
  use lgatr_ampfit
  implicit none
  real(c_double) :: xs(lgatr_n_inputs, ${k}), ys(${k})
  xs = reshape([ &
${literals.map((l) => `    ${l}`).join(', &\n')} ], [lgatr_n_inputs, ${k}])
  call lgatr_eval_batch(xs, int(${k}, c_size_t), ys)
  write (*, '(es25.17)') ys, lgatr_eval(xs(:, 2)), real(lgatr_check(xs(:, 1)), c_double)
end program main
`,
  );
  const r = spawnSync('sh', ['-c', 'gcc -O2 -std=c99 -c lgatr.c && gfortran -O2 -std=f2008 -ffree-line-length-none lgatr.f90 main.f90 lgatr.o -lm -o main && ./main'], { cwd: fdir, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const got = r.stdout.trim().split(/\s+/).map(Number);
  assert.equal(got.length, k + 2);
  const { max } = maxRelativeDifference(got.slice(0, k), want);
  console.log(`# Fortran vs predict: max relative difference ${max.toExponential(2)}`);
  assert.ok(max <= AGREEMENT, `${got} vs ${Array.from(want)}`);
  assert.equal(got[k], got[1], 'lgatr_eval and lgatr_eval_batch differ');
  assert.equal(got[k + 1], 0, 'lgatr_check refused a shared-data point');
});
