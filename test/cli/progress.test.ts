import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createLogger, fitLine } from '../../src/util/log.js';
import { REPO, SAMPLE_2D, tempDir, writeText } from '../helpers.js';

// What a person sees while training: on a terminal one status line redrawn
// in place; in a log file (not a terminal) one plain timestamped line per
// epoch; and at the end, on stdout, the precision table.

/** A stand-in for process.stderr that records what is written. */
function fakeStream(isTTY: boolean, columns = 200): { stream: NodeJS.WriteStream; text: () => string } {
  const chunks: string[] = [];
  const stream = { isTTY, columns, write: (s: string) => chunks.push(s) > 0 };
  return { stream: stream as unknown as NodeJS.WriteStream, text: () => chunks.join('') };
}

function withoutCI<T>(f: () => T): T {
  const saved = process.env.CI;
  delete process.env.CI;
  try {
    return f();
  } finally {
    if (saved !== undefined) process.env.CI = saved;
  }
}

test('logger on a terminal: progress keeps a line every 10 s above the live one, status moves the live line, a permanent line clears it first', () => {
  const { stream, text } = fakeStream(true, 200);
  withoutCI(() => {
    const log = createLogger(stream);
    log.progress('epoch 1/9  train MSE 1.0e-1');
    log.status('epoch 2/9  step 3/20');
    log.progress('epoch 2/9  train MSE 5.0e-2');
    log.info('done');
  });
  assert.match(
    text(),
    /^\r\x1b\[2K\d\d:\d\d:\d\d epoch 1\/9  train MSE 1\.0e-1\n\r\x1b\[2Kepoch 2\/9  step 3\/20\r\x1b\[2Kepoch 2\/9  train MSE 5\.0e-2\r\x1b\[2Kdone\n$/,
  );
});

test('a status line wider than the terminal keeps its last field (the ETA) and drops fields before it', () => {
  const line =
    'epoch 12/2500  train MSE 6.225e-1  val MSE 2.650e-1  R² 0.7362615  lr 2.77e-3  176k samples/s  best 1*  ETA ≤ 1h20m';
  assert.equal(fitLine(line, 200), line);
  // An 80-column terminal (79 usable): one space between fields, then "best" and "samples/s" go.
  assert.equal(fitLine(line, 79), 'epoch 12/2500 train MSE 6.225e-1 val MSE 2.650e-1 R² 0.7362615 ETA ≤ 1h20m');
  assert.equal(fitLine(line, 100), 'epoch 12/2500 train MSE 6.225e-1 val MSE 2.650e-1 R² 0.7362615 lr 2.77e-3 176k samples/s ETA ≤ 1h20m');
  assert.equal(fitLine(line, 30), 'epoch 12/2500 ETA ≤ 1h20m');
  assert.equal(fitLine('no fields to drop here', 10), 'no fields ');
  const { stream, text } = fakeStream(true, 80);
  withoutCI(() => createLogger(stream).status(line));
  assert.equal(text(), `\r\x1b[2K${fitLine(line, 79)}`);
});

test('a terminal that reports no width (0 columns: `script -qc` without a window size) gets 80-column lines, not cut ones', () => {
  const line = 'epoch 3  step 412/1000  batch loss 1.234e-2  lr 2.40e-3  ETA 41s';
  const short = fakeStream(true, 0);
  withoutCI(() => createLogger(short.stream).status(line));
  assert.equal(short.text(), `\r\x1b[2K${line}`);
  const wide = `${line}  ${'x'.repeat(40)}  end`;
  const { stream, text } = fakeStream(true, 0);
  withoutCI(() => createLogger(stream).status(wide));
  assert.equal(text(), `\r\x1b[2K${fitLine(wide, 79)}`);
  assert.equal(fitLine(wide, 79), `${line.replace(/ {2,}/g, ' ')} end`);
});

test('logger off a terminal (or with CI=true): every update is a plain timestamped line', () => {
  const { stream, text } = fakeStream(false);
  const log = createLogger(stream);
  log.progress('epoch 1/9');
  log.progress('epoch 2/9');
  log.status('epoch 3/9  step 1/20');
  log.warn('careful');
  // Status lines are for a terminal only: a log file gets the epochs.
  assert.match(text(), /^\d\d:\d\d:\d\d epoch 1\/9\n\d\d:\d\d:\d\d epoch 2\/9\n\d\d:\d\d:\d\d warning: careful\n$/);
  const ci = fakeStream(true);
  const saved = process.env.CI;
  process.env.CI = 'true';
  try {
    createLogger(ci.stream).progress('epoch 1/9');
  } finally {
    if (saved === undefined) delete process.env.CI;
    else process.env.CI = saved;
  }
  assert.match(ci.text(), /^\d\d:\d\d:\d\d epoch 1\/9\n$/);
});

test('ampfit train into a pipe: one plain progress line per epoch with losses, R² (in t), lr and ETA, also in train.log; then the precision table', () => {
  const work = tempDir();
  const config = writeText(
    work,
    'run.json',
    JSON.stringify({
      data: { files: SAMPLE_2D, target: 'f01', born: 'f00', max_rows: 2000 },
      model_type: 'skdnn', depth: 2, width: 8, epochs: 3, steps_per_epoch: 20, batch_size: 128, decay_epochs: 3, seed: 4,
    }),
  );
  const out = join(work, 'model');
  // Pipes, not a terminal, and CI unset: the plain form must come from isTTY alone.
  const env = { ...process.env };
  delete env.CI;
  const r = spawnSync(process.execPath, [join(REPO, 'bin/ampfit.js'), 'train', '--config', config, '--out', out], { encoding: 'utf8', env });
  assert.equal(r.status, 0, r.stderr);
  assert.doesNotMatch(r.stderr, /[\r\x1b]/, 'no cursor control in a log file');
  // The epoch table: a header naming the columns, then one row per epoch; every line of the log fits 80 columns.
  const logLines = r.stderr.trimEnd().split('\n');
  assert.ok(logLines.some((l) => /^\d\d:\d\d:\d\d epoch  train MSE    val MSE   1−R²\(t\)       lr   k\/s    best     ETA$/.test(l)), r.stderr);
  const epochs = logLines.filter((l) => /^\d\d:\d\d:\d\d +\d+ +\d\.\d{3}e/.test(l));
  assert.equal(epochs.length, 3, r.stderr);
  epochs.forEach((line, i) => {
    assert.match(line, new RegExp(`^\\d\\d:\\d\\d:\\d\\d +${i + 1}   \\d\\.\\d{3}e[-+]\\d   \\d\\.\\d{3}e[-+]\\d  +-?\\d\\.\\d{2}e[-+]\\d   \\d\\.\\de-\\d  +\\d+  +\\d[* ]  +\\d+s$`));
  });
  for (const l of logLines) if (!l.includes('/')) assert.ok(l.length <= 80, `${l.length} columns: ${l}`);

  // The run's directory keeps the whole history, timestamped, the epochs included.
  const history = readFileSync(join(out, 'train.log'), 'utf8').split('\n');
  assert.equal(history.filter((l) => /Z +\d+ +\d\.\d{3}e/.test(l)).length, 3);
  assert.ok(history.some((l) => /^\d{4}-\d\d-\d\dT[\d:.]+Z model written to /.test(l)), 'the end of the run');

  // stdout holds the table and the verdict: header, rule, test row, validation row, verdict on the test split.
  const lines = r.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 5, r.stdout);
  for (const line of lines) assert.ok(line.length <= 80, `${line.length} columns: ${line}`);
  assert.match(lines[0], /^regressor\s+n\s+R_1 \(%\)\s+R_0\.1 \(%\)\s+R_0\.01 \(%\)\s+μ_δ \(%\)\s+σ_δ \(%\)$/);
  assert.match(lines[1], /^-+(  -+)+$/);
  const metrics = JSON.parse(readFileSync(join(out, 'metrics.json'), 'utf8'));
  const row = (line: string): string[] => line.split(/\s{2,}/);
  const test = row(lines[2]);
  assert.equal(test[0], 'sk-DNN 2-8 test', 'the parameter counts do not fit 80 columns here');
  const withError = (m: { R_pct: Record<string, number>; R_stderr_pct: Record<string, number> }, t: string): string => `${m.R_pct[t].toFixed(2)}±${m.R_stderr_pct[t].toFixed(2)}`;
  assert.deepEqual(test.slice(1, 4), [String(metrics.test.n), withError(metrics.test, '1'), withError(metrics.test, '0.1')]);
  assert.equal(test[test.length - 1], metrics.test.sigma_delta_pct.toFixed(4));
  const v = metrics.test.verdict;
  assert.equal(v.R_1_pct, metrics.test.R_pct['1']);
  assert.equal(v.tau90_pct, metrics.test.abs_delta_quantiles_pct['90']);
  assert.equal(lines[4], `verdict (test): R_1 > 90 % ${v.marginal ? 'undecided' : v.holds ? 'holds' : 'fails'}: ${v.R_1_pct.toFixed(2)} ± ${v.R_1_stderr_pct.toFixed(2)} %; 90 % have |δ| < ${v.tau90_pct.toPrecision(3)} %`);
  const validation = row(lines[3]);
  assert.equal(validation[0], 'sk-DNN 2-8 validation');
  assert.equal(validation[1], String(metrics.validation.n));
});
