import assert from 'node:assert/strict';
import { test } from 'node:test';
import { glorotUniform, makeNetworkConfig, Network, Trainer } from '../../src/nn/index.js';
import { parseTrainerSnapshot } from '../../src/nn/snapshotSchema.js';
import { Rng } from '../../src/util/rng.js';
import { referenceKernels, sinSquareTarget, uniformPoints } from './helpers.js';

async function snapshot(): Promise<Record<string, unknown>> {
  const rng = new Rng(3);
  const xTrain = uniformPoints(rng, 200, 2);
  const xVal = uniformPoints(rng, 50, 2);
  const net = new Network(makeNetworkConfig({ type: 'dnn', inputDim: 2, depth: 1, width: 4 }), referenceKernels);
  glorotUniform(net.plan, net.params, new Rng(4));
  const t = new Trainer(net, { xTrain, yTrain: sinSquareTarget(xTrain, 2), xVal, yVal: sinSquareTarget(xVal, 2) }, { maxEpochs: 2, batchSize: 32, rng: new Rng(5) });
  await t.run();
  return JSON.parse(JSON.stringify(t.snapshot())) as Record<string, unknown>;
}

test('a trainer snapshot passes its schema unchanged; damaged fields are named', async () => {
  const good = await snapshot();
  assert.deepEqual(JSON.parse(JSON.stringify(parseTrainerSnapshot(good, 'c'))), good);
  const damaged = (path: string[], value: unknown): Record<string, unknown> => {
    const copy = JSON.parse(JSON.stringify(good)) as Record<string, unknown>;
    let o = copy;
    for (const k of path.slice(0, -1)) o = o[k] as Record<string, unknown>;
    o[path[path.length - 1]] = value;
    return copy;
  };
  assert.throws(() => parseTrainerSnapshot(damaged(['settings', 'batchSize'], -3), 'run/checkpoint/trainer.ampfit'),
    /^ModelFileError: checkpoint run\/checkpoint\/trainer\.ampfit: not a trainer snapshot ampfit can resume at settings\.batchSize: /);
  assert.throws(() => parseTrainerSnapshot(damaged(['adam', 'step'], 'many'), 'c'), /at adam\.step: /);
  assert.throws(() => parseTrainerSnapshot(damaged(['stream', 'rngState', 's'], [1, 2]), 'c'), /at stream\.rngState\.s/);
  assert.throws(() => parseTrainerSnapshot(damaged(['settings', 'schedule', 'kind'], 'warp'), 'c'), /at settings\.schedule\.kind/);
  assert.throws(() => parseTrainerSnapshot(damaged(['version'], 2), 'c'), /at version/);
});
