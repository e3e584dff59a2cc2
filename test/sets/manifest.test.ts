import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatMap } from '../../src/symmetry/coordinateMap.js';
import { parseManifest, type DerivedFunction, type TrainedFunction } from '../../src/sets/manifest.js';

const X4 = ['x1', 'x2', 'x3', 'x4'];
const trained = { name: 'A', config: { data: { files: 'a.csv', target: 'f' } } };

function parse(functions: unknown[], extra: Record<string, unknown> = {}): ReturnType<typeof parseManifest> {
  return parseManifest({ inputs: X4, functions, ...extra }, 'm.json', '/base');
}

test('a chain of derived functions folds into one map and one factor on the trained function', () => {
  const set = parse([
    trained,
    { name: 'B', from: 'A', map: '(x1, 1-x2, x3, x4)', factor: -1 },
    { name: 'C', from: 'B', map: [{ swap: ['x3', 'x4'] }], factor: 0.5 },
  ]);
  const c = set.functions[2] as DerivedFunction;
  assert.equal(c.base, 'A');
  assert.equal(c.baseFactor, -0.5);
  // C(x) = 0.5 · B(x1, x2, x4, x3) = −0.5 · A(x1, 1−x2, x4, x3)
  assert.equal(formatMap(c.baseMap, X4), '(x1, 1-x2, x4, x3)');
  assert.deepEqual((set.functions[0] as TrainedFunction).config, { data: { files: '/base/a.csv', target: 'f' } });
});

test('defaults merge under each trained config, key by key inside objects', () => {
  const set = parse([{ name: 'A', config: { data: { target: 'g' }, width: 8 } }], { defaults: { data: { files: 'all.csv', target: 'f' }, width: 36, depth: 3 } });
  assert.deepEqual((set.functions[0] as TrainedFunction).config, { data: { files: '/base/all.csv', target: 'g' }, width: 8, depth: 3 });
});

test('bad manifests fail with a message naming the function and the problem', () => {
  const cases: [unknown[], RegExp][] = [
    [[trained, { name: 'B', from: 'C' }, { name: 'C', from: 'B' }], /derive from each other in a cycle: (B → C → B|C → B → C)/],
    [[trained, { name: 'B', from: 'B' }], /cycle: B → B/],
    [[trained, { name: 'B', from: 'Q' }], /function 'B' derives from unknown function 'Q' \(known: A, B\)/],
    [[trained, { name: 'B', from: 'A', map: '(x1, 1-x5, x3, x4)' }], /function 'B': 'x5' is not an input coordinate \(the 4 inputs are x1, x2, x3, x4\)/],
    [[trained, { name: 'B', from: 'A', map: [{ reflect: 'x9' }] }], /function 'B': 'x9' is not an input coordinate/],
    [[trained, { name: 'B', from: 'A', map: '(x1, x2, x3)' }], /function 'B': the image .* has 3 entries but there are 4 inputs/],
    [[trained, { name: 'A', from: 'A' }], /function 'A' is defined twice/],
    [[{ name: 'A', config: {}, from: 'B' }, { name: 'B', model: 'm' }], /function 'A' needs exactly one of "config" \(to train\), "model" \(trained\) or "from" \(derived\)/],
    [[{ name: 'A', config: {}, map: '(x1, x2, x3, x4)' }], /function 'A' is trained: "map" and "factor" belong to derived functions/],
    [[trained, { name: 'B', from: 'A', factor: 0 }], /functions\.1\.factor: factor must be finite and non-zero/],
    [[trained, { name: 'B', form: 'A' }], /functions\.1: Unrecognized key.*"form"/],
    [[{ name: 'A', from: 'B' }, { name: 'B', from: 'A' }], /cycle/],
  ];
  for (const [functions, message] of cases) assert.throws(() => parse(functions), message, JSON.stringify(functions));
  assert.throws(() => parseManifest({ functions: [trained] }, 'm.json', '/'), /inputs/);
});
