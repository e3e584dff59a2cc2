import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { parquetReadObjects, asyncBufferFromFile } from 'hyparquet';
import { validateConfig } from '../../src/config/load.js';
import { runTraining } from '../../src/training/run.js';
import { readModelFile } from '../../src/io/modelFile.js';
import { memoryLogger } from '../../src/util/log.js';
import { REPO, SAMPLE_4D, tempDir } from '../helpers.js';
import { writeFixtures } from '../support/fixtures.js';

// The promise: any format trains with one config line changed, to
// the same model. The zz4d sample's first 3000 rows as CSV and as each
// format (written by h5py, numpy, hyparquet-writer) train a small sk-DNN for
// two epochs with one seed; the weights and the test metrics must be the
// same bits.
const ROWS = 3000;
const fx = writeFixtures(ROWS);

async function train(data: Record<string, unknown>): Promise<{ params: Float64Array; metrics: unknown }> {
  const config = validateConfig(
    {
      data: { target: 'f01', born: 'f00', max_rows: ROWS, ...data },
      model_type: 'skdnn', depth: 2, width: 8, batch_size: 128, steps_per_epoch: 60, epochs: 2, decay_epochs: 2, patience: 10, seed: 5,
    },
    'formats',
  );
  const out = join(tempDir(), 'm');
  const r = await runTraining({ config, outDir: out, log: memoryLogger() });
  return { params: readModelFile(join(out, 'model.ampfit')).arrays.params as Float64Array, metrics: r.testMetrics };
}

const bits = (v: Float64Array): Buffer => Buffer.from(v.buffer, v.byteOffset, v.byteLength);

test('a zz4d sample trains to bit-identical models from CSV, HDF5, Parquet, .npy and .npz', async () => {
  const csv = await train({ files: SAMPLE_4D });
  assert.ok(csv.params.length > 100);
  const variants: Record<string, unknown>[] = [
    { files: join(fx.dir, 'columns.h5') },
    { files: join(fx.dir, 'table.h5'), dataset: '/train' },
    { files: join(fx.dir, 'table.parquet') },
    { files: join(fx.dir, 'table.npy'), columns: fx.header },
    { files: join(fx.dir, 'compressed.npz') },
  ];
  for (const v of variants) {
    const other = await train(v);
    assert.ok(bits(other.params).equals(bits(csv.params)), `weights differ for ${JSON.stringify(v)}`);
    assert.deepEqual(other.metrics, csv.metrics, JSON.stringify(v));
  }
});

test('predict reads HDF5 and writes Parquet and HDF5 with float64 predictions equal to its CSV output', async () => {
  const work = tempDir();
  const cfg = join(work, 'c.json');
  const { writeFileSync } = await import('node:fs');
  writeFileSync(cfg, JSON.stringify({ data: { files: SAMPLE_4D, target: 'f01', born: 'f00', max_rows: 2000 }, model_type: 'poly', degree: 3 }));
  const bin = join(REPO, 'bin/ampfit.js');
  const run = (...args: string[]) => {
    const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
  };
  run('train', '--config', cfg, '--out', join(work, 'm'), '--quiet');
  run('predict', '--model', join(work, 'm'), '--input', join(fx.dir, 'columns.h5'), '--output', join(work, 'p.csv'));
  run('predict', '--model', join(work, 'm'), '--input', join(fx.dir, 'columns.h5'), '--output', join(work, 'p.parquet'));
  run('predict', '--model', join(work, 'm'), '--input', join(fx.dir, 'table.npy'), '--columns', fx.header.join(','), '--output', join(work, 'p.h5'));
  const lines = readFileSync(join(work, 'p.csv'), 'utf8').trim().split('\n');
  assert.equal(lines[0], 'x1,x2,x3,x4,f00,prediction,prediction_ratio');
  assert.equal(lines.length, fx.columns[0].length + 1);
  const csvPred = lines.slice(1).map((l) => Number(l.split(',')[5]));
  const pq = (await parquetReadObjects({ file: await asyncBufferFromFile(join(work, 'p.parquet')) })) as Record<string, number>[];
  assert.deepEqual(pq.map((r) => r.prediction), csvPred);
  assert.deepEqual(pq.map((r) => r.x3), Array.from(fx.columns[2]));
  const h5 = spawnSync('/usr/bin/python3', ['-c', 'import h5py, sys; f = h5py.File(sys.argv[1]); print(f["prediction"].dtype, ",".join(repr(float(v)) for v in f["prediction"][:5]))', join(work, 'p.h5')], { encoding: 'utf8' });
  assert.equal(h5.status, 0, h5.stderr);
  assert.equal(h5.stdout.trim(), `float64 ${csvPred.slice(0, 5).map((v) => String(v)).join(',')}`);
});
