import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
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
