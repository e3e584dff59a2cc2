import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { loadModel } from '../../src/models/surrogate.js';
import { writeSyntheticModel } from '../support/syntheticModel.js';
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

function ampfitOut(args: string[]): { code: number; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A clean refusal: exit 2, one 'ampfit:' line, no stack trace. */
function assertRefused(r: { code: number; stderr: string }, message: RegExp): void {
  assert.equal(r.code, 2, r.stderr);
  assert.match(r.stderr, message);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

test('issue 17: bad --output paths are refused before any prediction, without a stack trace', () => {
  const input = writeText(work, 'few.csv', 'x1,x2,f00\n0.5,0.5,1\n');
  const missing = ampfit(['predict', '--model', modelDir, '--input', input, '--output', join(work, 'no/such/folder/p.csv')]);
  assertRefused(missing, /^ampfit: --output .*p\.csv: the folder .*no\/such\/folder does not exist; create it first\n$/);
  assertRefused(ampfit(['predict', '--model', modelDir, '--input', input, '--output', work]), /--output .* is a directory; name a file to write/);
  const existing = writeText(work, 'existing.csv', 'keep me\n');
  assertRefused(ampfit(['predict', '--model', modelDir, '--input', input, '--output', existing]), /existing\.csv already exists; add --force to replace it/);
  assert.equal(readFileSync(existing, 'utf8'), 'keep me\n');
  assert.equal(ampfit(['predict', '--model', modelDir, '--input', input, '--output', existing, '--force']).code, 0);
  assert.match(readFileSync(existing, 'utf8'), /^x1,x2,f00,prediction,prediction_ratio\n0\.5,0\.5,1,/);
});

test("issue 17: --output - and --output /dev/stdout write to standard output; the /dev/stdout link survives", async () => {
  const { lstatSync } = await import('node:fs');
  const input = writeText(work, 'two.csv', 'x1,x2,f00\n0.5,0.5,1\n0.25,0.75,2\n');
  const wasLink = lstatSync('/dev/stdout').isSymbolicLink();
  for (const output of ['-', '/dev/stdout']) {
    const r = ampfitOut(['predict', '--model', modelDir, '--input', input, '--output', output]);
    assert.equal(r.code, 0, r.stderr);
    const lines = r.stdout.trimEnd().split('\n');
    assert.equal(lines.length, 3, r.stdout);
    assert.equal(lines[0], 'x1,x2,f00,prediction,prediction_ratio');
    assert.match(r.stderr, output === '-' ? /wrote 2 predictions to standard output/ : /wrote 2 predictions to \/dev\/stdout/);
  }
  assert.equal(lstatSync('/dev/stdout').isSymbolicLink(), wasLink);
  assert.ok(!existsSync(join(process.cwd(), '-')));
});

test('issue 17: non-ASCII text in a copied-through column comes out as it went in', () => {
  const input = writeText(work, 'utf8.csv', 'x1,x2,f00,note\n0.5,0.5,1,Müller → µ±ε 日本\n');
  const out = join(work, 'utf8-pred.csv');
  assert.equal(ampfit(['predict', '--model', modelDir, '--input', input, '--output', out]).code, 0);
  assert.match(readFileSync(out, 'utf8'), /\n0\.5,0\.5,1,Müller → µ±ε 日本,[^,]+,[^,]+\n$/);
});

test('issue 17: an interrupted predict exits 130 and leaves no temporary file', async () => {
  const { spawn } = await import('node:child_process');
  const { setTimeout: sleep } = await import('node:timers/promises');
  const dir = tempDir();
  const lines = ['x1,x2,f00'];
  for (let i = 0; i < 1200000; i++) lines.push(`${(i + 0.5) / 1200000},0.5,1`);
  const input = writeText(dir, 'big.csv', lines.join('\n') + '\n');
  const out = join(dir, 'big-pred.csv');
  const child = spawn(process.execPath, [BIN, 'predict', '--model', modelDir, '--input', input, '--output', out], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<string>((resolve) => child.on('exit', (code, signal) => resolve(`${code ?? signal}`)));
  const deadline = Date.now() + 30000;
  const writing = (): boolean => readdirSync(dir).some((f) => f.endsWith('.tmp') && statSync(join(dir, f)).size > 0);
  while (!writing() && Date.now() < deadline) await sleep(5);
  assert.ok(writing(), 'predict never started writing: the test proves nothing');
  child.kill('SIGINT');
  assert.equal(await exited, '130', stderr);
  assert.match(stderr, /interrupted by SIGINT; no output was written/);
  assert.deepEqual(readdirSync(dir).sort(), ['big.csv']);
});

test('issue 17: --output - into a pipe that closes early ends quietly with status 141, as after SIGPIPE', () => {
  const lines = ['x1,x2,f00'];
  for (let i = 0; i < 100000; i++) lines.push(`${(i + 0.5) / 100000},0.5,1`);
  const input = writeText(work, 'pipe.csv', lines.join('\n') + '\n');
  const script = `"${process.execPath}" "${BIN}" predict --model "${modelDir}" --input "${input}" --output - | head -1; echo "status \${PIPESTATUS[0]}" >&2`;
  const r = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
  assert.equal(r.stdout, 'x1,x2,f00,prediction,prediction_ratio\n');
  assert.match(r.stderr, /^status 141\n$/);
});
