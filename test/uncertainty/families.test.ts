// The learned-uncertainty objectives on every network family through the one
// executor, on a slice of the shipped ggyyg momenta: each of mlp (GroupKAN),
// kan and ds (DSI) trains briefly with heteroscedastic, bnn and ensemble
// objectives to finite, positive σ, and a run stopped after its first epoch
// and resumed ends with the bits of an uninterrupted one.

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { gunzipSync } from 'node:zlib';
import { validateConfig } from '../../src/config/load.js';
import { loadModel } from '../../src/models/surrogate.js';
import { runTraining } from '../../src/training/run.js';
import { memoryLogger } from '../../src/util/log.js';
import { SHARED_DATA, tempDir, writeText } from '../helpers.js';

const work = tempDir();
const lines = gunzipSync(readFileSync(join(SHARED_DATA, 'ggyyg/ggyyg_train_00.csv.gz'))).toString('latin1').split('\n', 601);
const slice = writeText(work, 'ggyyg-600.csv', lines.join('\n') + '\n');
const PARTICLES = [
  { name: 'p1', type: 'g' }, { name: 'p2', type: 'g' }, { name: 'p3', type: 'a' }, { name: 'p4', type: 'a' }, { name: 'p5', type: 'g' },
];
const X = new Float64Array(lines.slice(1, 21).flatMap((l) => l.split(',').slice(0, 20).map(Number)));
const N = 20;

const FAMILIES: Record<string, Record<string, unknown>> = {
  mlp: { model_type: 'mlp', activation: 'rational', rational_groups: 2 },
  kan: { model_type: 'kan', features: 'invariants', width: 4, depth: 1 },
  ds: { model_type: 'ds', features: 'momenta+invariants', ds_latent: 4, activation: 'gelu' },
};
const METHODS = {
  heteroscedastic: {},
  bnn: { bnn_samples: 3 },
  ensemble: { ensemble_members: 2 },
} as const;

function config(family: string, method: keyof typeof METHODS) {
  return validateConfig(
    {
      data: { files: slice, target: 'msq', momenta: { particles: PARTICLES } }, depth: 1, width: 8, epochs: 3, steps_per_epoch: 3,
      batch_size: 32, target_transform: 'log-standardize', seed: 7, backend: 'typescript', uncertainty: method,
      ...FAMILIES[family], ...METHODS[method],
    },
    `${family}-${method}`,
  );
}

for (const family of Object.keys(FAMILIES)) {
  for (const method of Object.keys(METHODS) as (keyof typeof METHODS)[]) {
    test(`${family} with ${method}: σ finite and positive; stopped after epoch 1 and resumed, the same bits as an uninterrupted run`, async () => {
      const straight = join(work, `${family}-${method}`);
      await runTraining({ config: config(family, method), outDir: straight, log: memoryLogger() });
      const b = loadModel(straight).predictUncertain(X, N);
      const sigmas = method === 'heteroscedastic' ? [b.sigmaSyst] : [b.sigmaSyst, b.sigmaStat!];
      for (const s of sigmas) assert.ok(s.length === N && s.every((v) => Number.isFinite(v) && v > 0), `${family} ${method}: σ ${[...s]}`);
      assert.ok(b.value.every((v) => Number.isFinite(v) && v > 0));
      if (method === 'heteroscedastic') assert.equal(b.sigmaStat, null);

      const dir = join(work, `${family}-${method}-resumed`);
      const abort = new AbortController();
      // Abort when the first epoch's progress line appears: the checkpoint of epoch 1 is then on disk.
      const first = await runTraining({ config: config(family, method), outDir: dir, log: { ...memoryLogger(), progress: () => abort.abort() }, signal: abort.signal });
      assert.match(first.header.training.stopped_because, /interrupted/);
      const resumed = await runTraining({ config: config(family, method), outDir: dir, log: memoryLogger(), resume: true });
      assert.equal(resumed.header.training.epochs_run, 3);
      const a = loadModel(dir).predictUncertain(X, N);
      assert.deepEqual([...a.value, ...a.sigmaSyst, ...(a.sigmaStat ?? [])], [...b.value, ...b.sigmaSyst, ...(b.sigmaStat ?? [])]);
    });
  }
}
