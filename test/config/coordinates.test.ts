import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveCoordinates } from '../../src/config/coordinates.js';
import { validateConfig } from '../../src/config/load.js';
import { ConfigError } from '../../src/util/errors.js';

const base = { data: { files: 'data/*.csv.gz', target: 'f01', born: 'f00' } };

test('coordinates: labels and maps are kept in order; a map is evaluated on rows of the inputs', () => {
  const c = validateConfig({ ...base, coordinates: { x2: { label: 'cos θ*', map: '2*x2 - 1' }, x1: { label: '√ŝ [GeV]', map: '100 + 900*x1' } } }, 'cfg');
  assert.deepEqual(Object.keys(c.coordinates), ['x2', 'x1']);
  assert.deepEqual(c.coordinates.x2, { label: 'cos θ*', map: '2*x2 - 1' });
  assert.deepEqual(validateConfig(base, 'cfg').coordinates, {});
  const label = validateConfig({ ...base, coordinates: { x1: { label: 'x' } } }, 'cfg');
  assert.equal(label.coordinates.x1.map, null);

  const r = resolveCoordinates(c.coordinates, ['x1', 'x2', 'x3'], 'cfg');
  assert.deepEqual(r.map((q) => [q.name, q.label, q.map]), [
    ['x1', '√ŝ [GeV]', '100 + 900*x1'],
    ['x2', 'cos θ*', '2*x2 - 1'],
    ['x3', 'x3', null],
  ]);
  const x = new Float64Array([0, 0.25, 7, 1, 0.75, 8]); // two rows of (x1, x2, x3)
  assert.deepEqual([...r[0].column(x, 2)], [100, 1000]);
  assert.deepEqual([...r[1].column(x, 2)], [-0.5, 0.5]);
  assert.deepEqual([...r[2].column(x, 2)], [7, 8]);
});

test('unknown coordinate names, unknown names in a map and unreadable maps are config errors naming the key', () => {
  const fails = (cfg: object, msg: RegExp): void =>
    assert.throws(() => validateConfig(cfg as Record<string, unknown>, 'cfg.json'), (e: Error) => {
      assert.ok(e instanceof ConfigError, String(e));
      assert.match(e.message, msg);
      return true;
    });
  // Inputs not given: every x<number> column, so a name of another form is wrong before the data are read.
  fails({ ...base, coordinates: { sqrt_s: { label: 'GeV' } } }, /coordinates\.sqrt_s: unknown coordinate 'sqrt_s': not an input \(the inputs are the x<number> columns\)/);
  fails({ data: { ...base.data, inputs: ['x1', 'x2'] }, coordinates: { x3: { label: 'm' } } }, /coordinates\.x3: unknown coordinate 'x3': not an input \(inputs: x1, x2\)/);
  fails({ data: { ...base.data, inputs: ['x1', 'x2'] }, coordinates: { x1: { label: 'm', map: 'x1 + x7' } } }, /coordinates\.x1\.map: map 'x1 \+ x7' reads 'x7', which is not an input/);
  fails({ ...base, coordinates: { x1: { label: 'm', map: '2*x2' } } }, /coordinates\.x1\.map: the map of 'x1' does not read 'x1'/);
  fails({ ...base, coordinates: { x1: { label: 'm', map: '2*x1 +' } } }, /coordinates\.x1\.map: cannot read map '2\*x1 \+' at character 7: expected a number/);
  fails({ ...base, coordinates: { x1: { label: 'm', unit: 'GeV' } } }, /coordinates\.x1\.unit: unknown key/);
  fails({ ...base, coordinates: { x1: { label: '' } } }, /coordinates\.x1\.label/);
  // Momentum inputs are the particles' columns.
  const momenta = { particles: ['p1', 'p2', 'p3'].map((name) => ({ name, type: 'g' })) };
  const ok = validateConfig({ data: { files: 'f', target: 'msq', momenta }, model_type: 'mlp', coordinates: { p3_E: { label: 'E_3 [GeV]' } } }, 'c');
  assert.equal(ok.coordinates.p3_E.label, 'E_3 [GeV]');
  fails({ data: { files: 'f', target: 'msq', momenta }, model_type: 'mlp', coordinates: { x1: { label: 'E' } } }, /coordinates\.x1: unknown coordinate 'x1': not an input \(inputs: p1_E, p1_px/);
  // Against the files' inputs (as training and the report check them).
  assert.throws(() => resolveCoordinates({ x9: { label: 'q', map: null } }, ['x1', 'x2'], 'runs/a/config.json'), /invalid config runs\/a\/config\.json:\n {2}coordinates\.x9: unknown coordinate 'x9': not an input \(inputs: x1, x2\)/);
});
