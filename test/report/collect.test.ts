// measureSpeed names the backend by walking the model's graph: a polynomial
// (no kernel op in its graph) predicts in plain TypeScript on one thread,
// networks on the kernels — also when a wrapper (here momentum features)
// is the stored regressor's type.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { getKernels } from '../../src/kernels/index.js';
import { loadModel } from '../../src/models/surrogate.js';
import { measureSpeed } from '../../src/report/collect.js';
import { REPO } from '../helpers.js';

const FIXTURES = join(REPO, 'test/fixtures/models');
const expected = JSON.parse(readFileSync(join(FIXTURES, 'expected.json'), 'utf8')) as { cases: Record<string, { x: number[] }> };

test('the speed column names the backend the graph runs on', () => {
  const kernels = getKernels('auto');
  const onKernels = kernels.backend === 'native' ? 'native kernels' : 'TypeScript kernels';
  for (const [name, backend] of [['poly', 'TypeScript (single-threaded)'], ['ds', onKernels], ['bdt', onKernels], ['skdnn-average', onKernels]] as const) {
    const model = loadModel(join(FIXTURES, name, 'model.ampfit'));
    const x = Float64Array.from(expected.cases[name].x);
    const n = x.length / model.d;
    const r = measureSpeed(model, x, n, 4, 0.01);
    assert.equal(r.backend, backend, name);
    assert.equal(r.threads, backend === 'TypeScript (single-threaded)' ? 1 : kernels.threads(), name);
    assert.ok(r.points >= n && r.pointsPerS > 0, name);
  }
});
