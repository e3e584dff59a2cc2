import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadModel } from '../../src/models/surrogate.js';
import { writeSyntheticModel } from '../../src/models/synthetic.js';
import { REPO, tempDir, writeText } from '../helpers.js';

const BIN = join(REPO, 'bin/ampfit.js');

function ampfit(args: string[]): { code: number; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  return { code: r.status ?? -1, stderr: r.stderr };
}

// predict reads and writes in blocks of 8192 rows; these files span several.
const ROWS = 20000;
const work = tempDir();
const modelDir = join(work, 'model');
writeSyntheticModel(modelDir, {
  regressor: { type: 'skdnn', network: { inputDim: 2, depth: 2, width: 8 } },
  transform: { kind: 'log-standardize', shift: 0.1, scale: 0.5 },
  born: 'f00',
  seed: 4,
});

function rows(bad?: { line: number; cell: string }): string {
  const lines = ['x1,x2,f00'];
  for (let i = 0; i < ROWS; i++) lines.push(`${(i + 0.5) / ROWS},${((i * 7919) % ROWS) / ROWS},${1 + (i % 7)}`);
  if (bad !== undefined) lines[bad.line - 1] = `0.5,${bad.cell},1`;
  return lines.join('\n') + '\n';
}

test('predict streams a file larger than one block, row for row, in original units', () => {
  const input = writeText(work, 'points.csv.gz', rows());
  const out = join(work, 'pred.csv');
  const r = ampfit(['predict', '--model', modelDir, '--input', input, '--output', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, new RegExp(`wrote ${ROWS} predictions`));
  const lines = readFileSync(out, 'utf8').trimEnd().split('\n');
  assert.equal(lines.length, ROWS + 1);
  assert.equal(lines[0], 'x1,x2,f00,prediction,prediction_ratio');
  const model = loadModel(modelDir);
  for (const i of [1, 8192, 8193, 16385, ROWS]) {
    const [x1, x2, f00, pred, ratio] = lines[i].split(',').map(Number);
    const expected = model.predict(new Float64Array([x1, x2]), 1)[0];
    assert.equal(ratio, expected, `row ${i}`);
    assert.equal(pred, expected * f00, `row ${i}`);
  }
});

test('a bad cell in a later block stops predict with file, line and column, and leaves no output', () => {
  const input = writeText(work, 'bad.csv', rows({ line: 15001, cell: 'nan?' }));
  const out = join(work, 'bad-pred.csv');
  const r = ampfit(['predict', '--model', modelDir, '--input', input, '--output', out]);
  assert.equal(r.code, 2);
  assert.ok(r.stderr.includes(`${input}:15001, column 'x2': non-numeric value 'nan?'`), r.stderr);
  assert.ok(!existsSync(out));
  assert.deepEqual(readdirSync(work).filter((f) => f.includes('bad-pred')), []);
});
