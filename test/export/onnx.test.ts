import { test } from 'node:test';
import assert from 'node:assert/strict';
import ort from 'onnxruntime-node';
import onnxProto from 'onnx-proto';
import { describeSurrogate } from '../../src/export/describe.js';
import { exportOnnx, ONNX_OPSET } from '../../src/export/onnx.js';
import { loadModel } from '../../src/models/surrogate.js';
import { activate } from '../../src/kernels/activations.js';
import { activationCode, type Activation } from '../../src/kernels/types.js';
import { AGREEMENT, CASES, maxRelativeDifference, probeGrid, probeModel, testPoints, writeCase } from './fixtures.js';

const { onnx } = onnxProto;

async function runOnnx(bytes: Uint8Array, x: Float64Array, n: number, d: number): Promise<{ data: Float64Array; dims: readonly number[] }> {
  const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1, interOpNumThreads: 1 });
  const out = await session.run({ x: new ort.Tensor('float64', x, [n, d]) });
  await session.release();
  const y = out.y;
  assert.equal(y.type, 'float64');
  return { data: y.data as Float64Array, dims: y.dims };
}

for (const c of CASES) {
  test(`ONNX export agrees with Surrogate.predict to ${AGREEMENT} relative: ${c.label}`, async () => {
    const model = loadModel(writeCase(c));
    const bytes = exportOnnx(describeSurrogate(model), 'm');
    const { x, n } = await testPoints(model.d);
    const expected = model.predict(x, n);
    const got = await runOnnx(bytes, x, n, model.d);
    assert.deepEqual(got.dims, [n, 1]);
    const { max, at } = maxRelativeDifference(got.data, expected);
    if (process.env.AMPFIT_SHOW_AGREEMENT === '1') process.stderr.write(`${c.label}: ${max}\n`);
    assert.ok(max <= AGREEMENT, `max relative difference ${max} at point ${at}: onnx ${got.data[at]} vs ampfit ${expected[at]}`);
  });
}

test('the ONNX graph is float64 end to end, with a dynamic batch and metadata saying what it returns', async () => {
  const model = loadModel(writeCase(CASES[0]));
  const m = onnx.ModelProto.decode(exportOnnx(describeSurrogate(model), 'zz4d'));
  assert.equal(Number(m.opsetImport[0].version), ONNX_OPSET);
  const g = m.graph as onnxProto.onnx.GraphProto;
  assert.equal(g.name, 'zz4d');
  const input = g.input[0].type?.tensorType;
  assert.equal(input?.elemType, onnx.TensorProto.DataType.DOUBLE);
  const dims = input?.shape?.dim ?? [];
  assert.equal(dims[0]?.dimParam, 'N');
  assert.equal(Number(dims[1]?.dimValue), 4);
  assert.equal(g.output[0].type?.tensorType?.elemType, onnx.TensorProto.DataType.DOUBLE);
  for (const t of g.initializer) {
    if (t.dataType !== onnx.TensorProto.DataType.INT64) assert.equal(t.dataType, onnx.TensorProto.DataType.DOUBLE, t.name ?? '');
  }
  const meta = Object.fromEntries(m.metadataProps.map((p) => [p.key, p.value]));
  assert.equal(meta['ampfit.returns'], 'the ratio f01/f00');
  assert.deepEqual(JSON.parse(meta['ampfit.inputs']), ['x1', 'x2', 'x3', 'x4']);
  // Parameter count survives: every weight and bias is an initializer.
  const weights = g.initializer
    .map((t) => t.dims ?? [])
    .filter((dims) => dims.length > 0)
    .reduce((s, dims) => s + dims.reduce((p: number, v) => p * Number(v), 1), 0);
  assert.equal(weights, model.header.parameter_count);
  // Batches of one and of an odd size run too.
  for (const n of [1, 7]) {
    const x = new Float64Array(n * 4).fill(0.25);
    const got = await runOnnx(exportOnnx(describeSurrogate(model), 'zz4d'), x, n, 4);
    assert.ok(maxRelativeDifference(got.data, model.predict(x, n)).max <= AGREEMENT);
  }
});

const ACTS: Activation[] = [
  { name: 'relu', param: 0 }, { name: 'leaky_relu', param: 0.3 }, { name: 'leaky_relu', param: 2 }, { name: 'elu', param: 1 },
  { name: 'softplus', param: 0 }, { name: 'gelu', param: 0 }, { name: 'silu', param: 0 }, { name: 'tanh', param: 0 },
];

test('each activation graph matches the TypeScript oracle (activations.ts) at every case split, tiny and huge inputs included', async () => {
  const z = probeGrid();
  for (const act of ACTS) {
    const got = await runOnnx(exportOnnx(probeModel(act), 'probe'), z, z.length, 1);
    const want = z.map((v) => activate(activationCode(act.name), act.param, v));
    const { max, at } = maxRelativeDifference(got.data, want);
    assert.ok(max <= 4e-15, `${act.name}: relative difference ${max} at z = ${z[at]}: onnx ${got.data[at]} vs ${want[at]}`);
  }
});

test('the output maps exp and unit·sinh match Math.exp and Math.sinh, near zero too', async () => {
  const z = probeGrid().filter((v) => Math.abs(v) < 700);
  const linear: Activation = { name: 'linear', param: 0 };
  const sinh = await runOnnx(exportOnnx(probeModel(linear, { kind: 'asinh-standardize', scale: 1, shift: 0, unit: 0.25 }), 'p'), z, z.length, 1);
  assert.ok(maxRelativeDifference(sinh.data, z.map((v) => 0.25 * Math.sinh(v))).max <= 4e-15);
  const exp = await runOnnx(exportOnnx(probeModel(linear, { kind: 'log-standardize', scale: 0.5, shift: -1 }), 'p'), z, z.length, 1);
  assert.ok(maxRelativeDifference(exp.data, z.map((v) => Math.exp(v * 0.5 + -1))).max <= 4e-15);
});
