import assert from 'node:assert/strict';
import { test } from 'node:test';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CHECKPOINT_STATE_FILE, checkpointEpoch, readCheckpointState, writeCheckpointState } from '../../src/models/checkpointFile.js';
import { glorotUniform, makeNetworkConfig, Network, Trainer, type TrainerSnapshot } from '../../src/nn/index.js';
import { Rng } from '../../src/util/rng.js';
import { referenceKernels, sameBits, sinSquareTarget, uniformPoints } from '../nn/helpers.js';
import { tempDir } from '../helpers.js';

const rng = new Rng(3);
const xTrain = uniformPoints(rng, 200, 2);
const xVal = uniformPoints(rng, 80, 2);
const data = { xTrain, yTrain: sinSquareTarget(xTrain, 2), xVal, yVal: sinSquareTarget(xVal, 2) };

function trainer(): Trainer {
  const net = new Network(makeNetworkConfig({ type: 'skdnn', inputDim: 2, depth: 2, width: 8 }), referenceKernels);
  glorotUniform(net.plan, net.params, new Rng(4));
  return new Trainer(net, data, { maxEpochs: 4, batchSize: 32, rng: new Rng(5) });
}

test('a binary checkpoint resumes to the same bits as the uninterrupted run, like the JSON one did', async () => {
  const straight = trainer();
  await straight.run();
  const first = trainer();
  const abort = new AbortController();
  first.setRuntime({ signal: abort.signal, onEpoch: (s) => { if (s.epoch === 2) abort.abort(); } });
  await first.run();
  const dir = tempDir();
  writeCheckpointState(dir, first.snapshot(true));
  assert.equal(checkpointEpoch(dir), 2);
  const fromBinary = Trainer.resume(readCheckpointState<TrainerSnapshot>(dir), referenceKernels, data);
  await fromBinary.run();
  assert.equal(sameBits(fromBinary.network.params, straight.network.params), null);

  // An old trainer.json checkpoint is still read (and replaced by the binary file at the next write).
  const legacy = tempDir();
  writeFileSync(join(legacy, 'trainer.json'), JSON.stringify(first.snapshot()));
  const fromJson = Trainer.resume(readCheckpointState<TrainerSnapshot>(legacy), referenceKernels, data);
  await fromJson.run();
  assert.equal(sameBits(fromJson.network.params, straight.network.params), null);
});

test('checkpoint size is the weights in binary plus a small header, whatever the parameter count (no giant JSON string)', () => {
  const n = 2_000_000;
  const params = new Float64Array(n).map((_, i) => Math.sin(i) * 1e-3);
  const state = { format: 'x', epoch: 7, params, adam: { m: params.slice(), v: params.slice(), step: 3 }, best: { params: params.slice(), valMSE: 0.5 } };
  const dir = tempDir();
  writeCheckpointState(dir, state);
  const bytes = statSync(join(dir, CHECKPOINT_STATE_FILE)).size;
  assert.ok(bytes < 4 * 8 * n + 4096, `${bytes} bytes for 4 × ${n} doubles`);
  const back = readCheckpointState<typeof state>(dir);
  assert.equal(back.epoch, 7);
  assert.equal(sameBits(back.adam.v, params), null);
  assert.equal(sameBits(back.best.params, params), null);
});

test("issue 17: a large network's checkpoint keeps its weights out of the JSON header (the old trainer.json was ~4 × 8 bytes × parameters of text)", async () => {
  const { openSync, readSync, closeSync } = await import('node:fs');
  const wide = new Network(makeNetworkConfig({ type: 'dnn', inputDim: 1000, depth: 1, width: 1000 }), referenceKernels);
  const params = wide.paramCount;
  glorotUniform(wide.plan, wide.params, new Rng(9));
  const t = new Trainer(wide, { xTrain: new Float64Array(1000 * 4).map((_, i) => Math.sin(i)), yTrain: Float64Array.from([0.1, 0.4, 0.2, 0.3]), xVal: new Float64Array(1000 * 2), yVal: Float64Array.from([0, 1]) }, { maxEpochs: 1, batchSize: 4, rng: new Rng(1) });
  await t.run();
  const dir = tempDir();
  writeCheckpointState(dir, t.snapshot(true));
  const fd = openSync(join(dir, CHECKPOINT_STATE_FILE), 'r');
  const prefix = Buffer.alloc(32);
  readSync(fd, prefix, 0, 32, 0);
  closeSync(fd);
  const headerBytes = Number(prefix.readBigUInt64LE(16));
  const blobBytes = Number(prefix.readBigUInt64LE(24));
  assert.ok(params > 1_000_000);
  assert.ok(headerBytes < 20_000, `JSON header of ${headerBytes} bytes`);
  // After one epoch the best parameters are the current ones, bit for bit, so
  // the file stores that array once: params, Adam m and v in binary, nothing twice.
  const snap = t.snapshot(true);
  assert.equal(sameBits(snap.best!.params as Float64Array, snap.params as Float64Array), null);
  assert.ok(blobBytes >= 3 * 8 * params && blobBytes < 3 * 8 * params + 4096, `${blobBytes} bytes of binary for 3 × ${params} doubles`);
  const back = readCheckpointState<TrainerSnapshot>(dir);
  assert.equal(sameBits(back.params as Float64Array, t.snapshot(true).params), null);
});
