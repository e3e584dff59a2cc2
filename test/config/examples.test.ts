import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { resolveCoordinates } from '../../src/config/coordinates.js';
import { loadConfig } from '../../src/config/load.js';
import { REPO } from '../helpers.js';

// The shipped example configs are documentation: each must stay valid as the schema evolves.
test('every examples/*.json is a valid run config', () => {
  const dir = join(REPO, 'examples');
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  assert.ok(files.length >= 3, `found ${files.length} examples`);
  for (const f of files) {
    const c = loadConfig(join(dir, f));
    assert.ok(c.model_type.length > 0, f);
  }
  // Every shared dataset has its recommended config.
  for (const dataset of ['zz2d', 'zz4d', 'zz8d', 'ggyyg']) assert.ok(files.includes(`${dataset}-best.json`), `examples/${dataset}-best.json is missing`);
  const angular = loadConfig(join(dir, 'zz8d-best.json'));
  assert.equal(angular.angular?.decays.length, 2);
  assert.equal(angular.target_transform, 'asinh-standardize');
  const ours = loadConfig(join(dir, 'zz4d-ampfit.json'));
  assert.equal(ours.target_transform, 'log-standardize');
  assert.equal(ours.activation, 'silu');
});

// The data card's coordinate mappings (shared/data/README.md), as the report's axes read them.
test('the zz and ggyyg examples name their coordinates as the data card defines them', () => {
  const dir = join(REPO, 'examples');
  const zz2d = resolveCoordinates(loadConfig(join(dir, 'zz2d-best.json')).coordinates, ['x1', 'x2'], 'zz2d');
  const row2 = new Float64Array([0, 1, 1, 0]);
  assert.deepEqual([...zz2d[0].column(row2, 2)].map((v) => +v.toFixed(9)), [2 * 91.1876, 1000]); // √ŝ from 2 m_Z to 1 TeV
  assert.deepEqual([...zz2d[1].column(row2, 2)], [1, -1]); // cos θ* = 2 x2 − 1
  const zz4d = resolveCoordinates(loadConfig(join(dir, 'zz4d-best.json')).coordinates, ['x1', 'x2', 'x3', 'x4'], 'zz4d');
  assert.deepEqual(zz4d.map((c) => c.label), ['√ŝ [GeV]', 'cos θ*', 'm₃₄ = m(e⁻e⁺) [GeV]', 'm₅₆ = m(μ⁻μ⁺) [GeV]']);
  // m34 = 70, m56 = 90: √ŝ = 160 + x1 (3000 − 160).
  const row4 = new Float64Array([0.5, 0.5, 0.25, 0.5]);
  assert.deepEqual(zz4d.map((c) => c.column(row4, 1)[0]), [160 + 0.5 * 2840, 0, 70, 90]);
  const zz8d = loadConfig(join(dir, 'zz8d-best.json')).coordinates;
  assert.deepEqual(Object.keys(zz8d), ['x1', 'x2', 'x3', 'x4', 'x5', 'x6', 'x7', 'x8']);
  const gg = loadConfig(join(dir, 'ggyyg-best.json'));
  const cols = ['p1', 'p2', 'p3', 'p4', 'p5'].flatMap((p) => ['E', 'px', 'py', 'pz'].map((c) => `${p}_${c}`));
  const ggc = resolveCoordinates(gg.coordinates, cols, 'ggyyg');
  // A photon of 300 GeV with p = (180, 240, 0): p_T 300, cos θ 0.
  const x = new Float64Array(20);
  x.set([300, 180, 240, 0], 8);
  const byName = Object.fromEntries(ggc.map((c) => [c.name, c]));
  assert.equal(byName.p3_px.label, 'p_T(γ₁) [GeV]');
  assert.equal(byName.p3_px.column(x, 1)[0], 300);
  assert.equal(byName.p3_pz.column(x, 1)[0], 0);
  assert.deepEqual(Object.keys(gg.coordinates).slice(0, 2), ['p3_E', 'p4_E']);
});
