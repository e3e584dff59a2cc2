import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describeSurrogate, type ExportModel } from '../../src/export/describe.js';
import { exportC, hexFloat, sanitizeName } from '../../src/export/c/index.js';
import { activate } from '../../src/kernels/activations.js';
import { activationCode, type Activation } from '../../src/kernels/types.js';
import { loadModel } from '../../src/models/surrogate.js';
import type { Surrogate } from '../../src/models/surrogate.js';
import { tempDir } from '../helpers.js';
import { AGREEMENT, CASES, compileC, haveGcc, maxRelativeDifference, probeGrid, probeModel, testPoints, writeCase } from './fixtures.js';

const noGcc = haveGcc() ? false : 'gcc is not installed';
const haveGfortran = spawnSync('gfortran', ['--version']).status === 0;

test('hexFloat writes the exact C99 literal printf("%a") would', () => {
  assert.equal(hexFloat(1), '0x1p+0');
  assert.equal(hexFloat(0.1), '0x1.999999999999ap-4');
  assert.equal(hexFloat(-2.5), '-0x1.4p+1');
  assert.equal(hexFloat(0), '0x0p+0');
  assert.equal(hexFloat(-0), '-0x0p+0');
  assert.equal(hexFloat(5e-324), '0x0.0000000000001p-1022');
  assert.equal(hexFloat(Number.MAX_VALUE), '0x1.fffffffffffffp+1023');
  assert.equal(hexFloat(0.3), '0x1.3333333333333p-2');
  assert.throws(() => hexFloat(NaN), /non-finite value NaN/);
});

test('names become valid C and Fortran identifiers', () => {
  assert.equal(sanitizeName('zz4d'), 'zz4d');
  assert.equal(sanitizeName('sk-DNN 9-36/zz4d'), 'sk_DNN_9_36_zz4d');
  assert.equal(sanitizeName('9-36'), 'm_9_36');
  assert.equal(sanitizeName('_x'), 'x');
  assert.equal(sanitizeName('ééé'), 'model');
  assert.equal(sanitizeName('a'.repeat(80)).length, 40);
});

interface Compiled {
  readonly models: readonly ExportModel[];
  readonly surrogates: readonly (Surrogate | null)[];
  readonly run: (k: number, x: Float64Array) => { batch: Float64Array; single: Float64Array };
}

const PROBES: Activation[] = [
  { name: 'relu', param: 0 }, { name: 'leaky_relu', param: 0.3 }, { name: 'elu', param: 1.3 }, { name: 'softplus', param: 0 },
  { name: 'gelu', param: 0 }, { name: 'silu', param: 0 }, { name: 'tanh', param: 0 },
];

/**
 * Every case and activation probe exported as C, compiled together with one
 * driver (gcc -O2 -std=c99, warnings as errors). The driver runs model k on
 * a file of points and writes eval_batch's results followed by eval's.
 */
function compileAll(): Compiled {
  const dir = tempDir('ampfit-c-');
  const surrogates: (Surrogate | null)[] = CASES.map((c) => loadModel(writeCase(c)));
  const models: ExportModel[] = surrogates.map((s) => describeSurrogate(s as Surrogate));
  for (const act of PROBES) {
    models.push(probeModel(act));
    surrogates.push(null);
  }
  models.push(probeModel({ name: 'linear', param: 0 }, { kind: 'asinh-standardize', scale: 1, shift: 0, unit: 0.25 }));
  surrogates.push(null);
  const { run } = compileC(models.map((m, k) => exportC(m, `m${k}`)), dir);
  return { models, surrogates, run };
}

let compiled: Compiled | null = null;
function build(): Compiled {
  compiled ??= compileAll();
  return compiled;
}

/** Runs model k of the driver: eval_batch's results and eval's. */
function runC(k: number, x: Float64Array): { batch: Float64Array; single: Float64Array } {
  return build().run(k, x);
}

CASES.forEach((c, k) => {
  test(`C export (gcc -O2 -std=c99) agrees with Surrogate.predict to ${AGREEMENT} relative: ${c.label}`, { skip: noGcc }, async () => {
    const model = build().surrogates[k] as Surrogate;
    const { x, n } = await testPoints(model.d);
    const expected = model.predict(x, n);
    const { batch, single } = runC(k, x);
    const { max, at } = maxRelativeDifference(batch, expected);
    if (process.env.AMPFIT_SHOW_AGREEMENT === '1') process.stderr.write(`${c.label}: ${max}\n`);
    assert.ok(max <= AGREEMENT, `max relative difference ${max} at point ${at}: C ${batch[at]} vs ampfit ${expected[at]}`);
    assert.deepEqual(single, batch, 'eval and eval_batch differ');
  });
});

test('each C activation matches the TypeScript oracle (activations.ts) at every case split', { skip: noGcc }, () => {
  const z = probeGrid();
  PROBES.forEach((act, i) => {
    const { batch } = runC(CASES.length + i, z);
    const want = z.map((v) => activate(activationCode(act.name), act.param, v));
    const { max, at } = maxRelativeDifference(batch, want);
    assert.ok(max <= 4e-15, `${act.name}: relative difference ${max} at z = ${z[at]}: C ${batch[at]} vs ${want[at]}`);
  });
  const s = probeGrid().filter((v) => Math.abs(v) < 700);
  const { batch } = runC(CASES.length + PROBES.length, s);
  assert.ok(maxRelativeDifference(batch, s.map((v) => 0.25 * Math.sinh(v))).max <= 4e-15);
});

test('the header declares the documented API and the source carries the model description', { skip: noGcc }, () => {
  const c = build();
  const out = exportC(c.models[0], 'zz4d 9-36');
  assert.equal(out.name, 'zz4d_9_36');
  assert.match(out.header, /double zz4d_9_36_eval\(const double \*x\);/);
  assert.match(out.header, /void zz4d_9_36_eval_batch\(const double \*x, size_t n, double \*out\);/);
  assert.match(out.header, /#define ZZ4D_9_36_N_INPUTS 4/);
  assert.match(out.source, /returns: {4}the ratio f01\/f00/);
  assert.match(out.fortran, /function zz4d_9_36_eval\(x\) bind\(C, name='zz4d_9_36_eval'\)/);
});

test('a Fortran program calls the exported functions through the generated module', { skip: noGcc || (haveGfortran ? false : 'gfortran is not installed') }, async () => {
  const c = build();
  const surrogate = c.surrogates[0] as Surrogate;
  const out = exportC(c.models[0], 'zz4d');
  const dir = tempDir('ampfit-f90-');
  writeFileSync(join(dir, 'zz4d.c'), out.source);
  writeFileSync(join(dir, 'zz4d.h'), out.header);
  writeFileSync(join(dir, 'zz4d.f90'), out.fortran);
  writeFileSync(
    join(dir, 'main.f90'),
    `program main
  use zz4d_ampfit
  implicit none
  real(c_double) :: x(zz4d_n_inputs), xs(zz4d_n_inputs, 3), ys(3)
  integer :: i
  x = [0.1d0, 0.2d0, 0.3d0, 0.4d0]
  do i = 1, 3
    xs(:, i) = x * i
  end do
  call zz4d_eval_batch(xs, int(3, c_size_t), ys)
  write (*, '(es25.17)') zz4d_eval(x), ys
end program main
`,
  );
  const exe = join(dir, 'main');
  const r = spawnSync('sh', ['-c', `gcc -O2 -std=c99 -c zz4d.c && gfortran -O2 -std=f2008 zz4d.f90 main.f90 zz4d.o -lm -o ${exe} && ${exe}`], { cwd: dir, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const got = r.stdout.trim().split(/\s+/).map(Number);
  const x = new Float64Array([0.1, 0.2, 0.3, 0.4, 0.1, 0.2, 0.3, 0.4, 0.2, 0.4, 0.6, 0.8, 0.30000000000000004, 0.6000000000000001, 0.8999999999999999, 1.2000000000000002]);
  const want = surrogate.predict(x, 4);
  assert.ok(maxRelativeDifference(got, want).max <= AGREEMENT, `${got} vs ${want}`);
});
