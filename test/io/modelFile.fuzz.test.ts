import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { encodeModelFile, readModelFile, type StoredArray } from '../../src/io/modelFile.js';
import { loadModel } from '../../src/models/surrogate.js';
import { writeSyntheticModel } from '../support/syntheticModel.js';
import { validateConfig } from '../../src/config/load.js';
import { runTraining } from '../../src/training/run.js';
import { AmpfitError, ModelFileError } from '../../src/util/errors.js';
import { SAMPLE_2D, tempDir } from '../helpers.js';
import { FUZZ_RUNS, FUZZ_SEED } from '../fuzzRuns.js';

// Issue 17: a damaged model file — flipped or cut bytes, or a hand-made one
// with a valid checksum whose header lacks a part or holds a value of the
// wrong type — loads and predicts exactly as the original, or is refused
// with a named error; never a TypeError or RangeError from deep inside.

const work = tempDir();
const quiet = { info: () => undefined, warn: () => undefined, progress: () => undefined, status: () => undefined };

const dnn = join(work, 'dnn');
writeSyntheticModel(dnn, { regressor: { type: 'dnn', network: { inputDim: 3, depth: 2, width: 5, activation: 'tanh' } }, transform: { kind: 'log-standardize', shift: 0.2, scale: 1.5 }, born: 'f00', seed: 1 });
const poly = join(work, 'poly');
writeSyntheticModel(poly, { regressor: { type: 'poly', d: 2, degree: 3 }, transform: { kind: 'standardize', shift: 1, scale: 2 }, born: null, seed: 2 });
const bdt = join(work, 'bdt');
const symmetric = join(work, 'sym');
const trained = (async () => {
  const data = { files: SAMPLE_2D, target: 'f01', born: 'f00', max_rows: 1500 };
  await runTraining({ config: validateConfig({ data, model_type: 'bdt', n_estimators: 8, max_depth: 4, seed: 3 }, 'bdt'), outDir: bdt, log: quiet });
  await runTraining({ config: validateConfig({ data, model_type: 'poly', degree: 3, symmetries: [{ name: 'fb', map: '(x1, 1-x2)' }] }, 'sym'), outDir: symmetric, log: quiet });
})();

const MODELS = [dnn, poly, bdt, symmetric];

function points(d: number): Float64Array {
  return Float64Array.from({ length: 4 * d }, (_, i) => ((i * 0.37) % 1) * 0.98 + 0.01);
}

function predictions(file: string): Float64Array {
  const m = loadModel(file);
  return m.predict(points(m.d), 4);
}

let caseNo = 0;

/** The property: the original predictions, or a named error. */
function sameOrNamedError(bytes: Buffer | Buffer[], original: Float64Array): void {
  const file = join(work, `case${caseNo++}.ampfit`);
  writeFileSync(file, Array.isArray(bytes) ? Buffer.concat(bytes) : bytes);
  let got: Float64Array;
  try {
    got = predictions(file);
  } catch (e) {
    if (!(e instanceof AmpfitError)) throw new Error(`not a named error: ${String((e as Error)?.stack ?? e)}`);
    return;
  }
  assert.equal(got.length, original.length);
  for (let i = 0; i < got.length; i++) if (!Object.is(got[i], original[i])) assert.fail(`prediction ${i}: ${got[i]}, the original model gives ${original[i]}`);
}

/** Every place in a JSON value, as key paths. */
function paths(v: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [];
  if (Array.isArray(v)) v.forEach((x, i) => out.push([...prefix, i], ...paths(x, [...prefix, i])));
  else if (typeof v === 'object' && v !== null) for (const [k, x] of Object.entries(v)) out.push([...prefix, k], ...paths(x, [...prefix, k]));
  return out;
}

/** A value of another JSON type than v (a number is never replaced by another number: that is a different valid model). */
const otherType = (v: unknown): fc.Arbitrary<unknown> => {
  const all: fc.Arbitrary<unknown>[] = [fc.constant(null), fc.boolean(), fc.string().map((s) => `~${s}`), fc.constant({}), fc.constant([]), fc.constant([1, 2])];
  if (typeof v !== 'number') all.push(fc.constantFrom(0, -1, 1e300, 0.5, 3));
  return fc.oneof(...all);
};

type Edit = { kind: 'delete'; pick: number } | { kind: 'retype'; pick: number; value: unknown };

function applyEdit(header: Record<string, unknown>, e: Edit, value: unknown): Record<string, unknown> {
  const h = structuredClone(header);
  const all = paths(h);
  const path = all[e.pick % all.length];
  let node = h as Record<string | number, unknown>;
  for (const k of path.slice(0, -1)) node = node[k] as Record<string | number, unknown>;
  const last = path[path.length - 1];
  if (e.kind === 'delete') {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else {
    node[last] = value;
  }
  return h;
}

test('property: a flipped, cut or lengthened model file is a ModelFileError', async () => {
  await trained;
  const originals = MODELS.map((m) => readFileSync(join(m, 'model.ampfit')));
  await fc.assert(
    fc.asyncProperty(fc.nat(MODELS.length - 1), fc.nat(), fc.integer({ min: 0, max: 7 }), fc.constantFrom('flip', 'cut', 'append'), async (which, at, bit, how) => {
      const good = originals[which];
      const i = at % good.length;
      const bytes = how === 'cut' ? good.subarray(0, i) : how === 'append' ? Buffer.concat([good, Buffer.from([bit])]) : Buffer.from(good);
      if (how === 'flip') bytes[i] ^= 1 << bit;
      const file = join(work, `case${caseNo++}.ampfit`);
      writeFileSync(file, bytes);
      assert.throws(() => loadModel(file), (e: unknown) => e instanceof ModelFileError, `${how} at byte ${i}`);
    }),
    { numRuns: FUZZ_RUNS, ...FUZZ_SEED },
  );
});

test('property: a hand-made model file with a valid checksum but a missing or mistyped part predicts as the original or is refused by name', async () => {
  await trained;
  const contents = MODELS.map((m) => readModelFile<Record<string, unknown>>(join(m, 'model.ampfit')));
  const originals = MODELS.map((m) => predictions(m));
  const edit: fc.Arbitrary<{ e: Edit; value: unknown }> = fc.oneof(
    fc.record({ e: fc.record({ kind: fc.constant('delete' as const), pick: fc.nat() }), value: fc.constant(undefined) }),
    fc.nat().chain((pick) => fc.constant(pick).chain((p) => fc.record({ e: fc.constant({ kind: 'retype' as const, pick: p, value: null }), value: fc.oneof(fc.constant(null), fc.boolean(), fc.string().map((s) => `~${s}`), fc.constant({}), fc.constant([]), fc.constantFrom('x', 0.5)) }))),
  );
  await fc.assert(
    fc.property(fc.nat(MODELS.length - 1), fc.array(edit, { minLength: 1, maxLength: 3 }), (which, edits) => {
      const { header, arrays } = contents[which];
      const { arrays: _refs, ...plain } = header;
      let h: Record<string, unknown> = plain;
      for (const { e, value } of edits) {
        const all = paths(h);
        if (all.length === 0) break;
        const path = all[e.pick % all.length];
        let node: unknown = h;
        for (const k of path) node = (node as Record<string | number, unknown>)[k];
        // Same-type numbers would be a different valid model, not a damaged one.
        if (e.kind === 'retype' && (typeof value === typeof node || (typeof node === 'number' && typeof value === 'number'))) continue;
        h = applyEdit(h, e, value);
      }
      sameOrNamedError(encodeModelFile(h, arrays), originals[which]);
    }),
    { numRuns: FUZZ_RUNS, ...FUZZ_SEED },
  );
});

test('property: arrays missing, shortened or of another dtype (valid checksum) predict as the original or are refused by name', async () => {
  await trained;
  const contents = MODELS.map((m) => readModelFile<Record<string, unknown>>(join(m, 'model.ampfit')));
  const originals = MODELS.map((m) => predictions(m));
  await fc.assert(
    fc.property(fc.nat(MODELS.length - 1), fc.nat(), fc.constantFrom('drop', 'shorten', 'float32', 'empty'), fc.nat(), (which, pick, how, cut) => {
      const { header, arrays } = contents[which];
      const { arrays: _refs, ...plain } = header;
      const names = Object.keys(arrays);
      const name = names[pick % names.length];
      const a = arrays[name];
      const edited: Record<string, StoredArray> = { ...arrays };
      if (how === 'drop') delete edited[name];
      else if (how === 'shorten') edited[name] = a.slice(0, a.length === 0 ? 0 : cut % a.length);
      else if (how === 'empty') edited[name] = a.slice(0, 0);
      else if (a instanceof Float64Array) edited[name] = Float32Array.from(a);
      else return;
      sameOrNamedError(encodeModelFile(plain, edited), originals[which]);
    }),
    { numRuns: FUZZ_RUNS, ...FUZZ_SEED },
  );
});

test('issue 17: a hand-made file missing its target, network or parameters is a ModelFileError naming the part', async () => {
  const { header, arrays } = readModelFile<Record<string, unknown>>(join(dnn, 'model.ampfit'));
  const { arrays: _refs, ...plain } = header;
  const refuse = (h: Record<string, unknown>, a: Record<string, StoredArray>, re: RegExp): void => {
    const file = join(work, `hand${caseNo++}.ampfit`);
    writeFileSync(file, Buffer.concat(encodeModelFile(h, a)));
    assert.throws(() => loadModel(file), (e: unknown) => e instanceof ModelFileError && re.test(e.message), String(re));
  };
  const { target: _t, ...noTarget } = plain;
  refuse(noTarget, arrays, /the header is incomplete or wrong: target: /);
  refuse({ ...plain, inputs: [] }, arrays, /inputs: /);
  refuse({ ...plain, regressor: { type: 'dnn' } }, arrays, /the stored regressor cannot be used: /);
  refuse(plain, {}, /the stored regressor cannot be used: .*params/);
  refuse(plain, { params: (arrays.params as Float64Array).slice(0, 10) }, /the stored regressor cannot be used: model holds 10 parameters/);
});
