// The reference of the runtime's caller tests: what the `ampfit predict`
// command itself writes, read back by column.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO } from '../helpers.js';

const BIN = join(REPO, 'bin/ampfit.js');

/** Runs `ampfit predict <args> --input <csv>` into <out> and returns the named columns. */
export function predictColumns(args: readonly string[], csv: string, out: string, columns: readonly string[]): Float64Array[] {
  const r = spawnSync(process.execPath, [BIN, 'predict', ...args, '--input', csv, '--output', out, '--force'], { encoding: 'utf8' });
  assert.equal(r.status, 0, `ampfit predict ${args.join(' ')}: ${r.stderr}`);
  const lines = readFileSync(out, 'utf8').trim().split('\n');
  const header = lines[0].split(',');
  return columns.map((c) => {
    const k = header.indexOf(c);
    assert.ok(k >= 0, `predict wrote no column ${c}: ${lines[0]}`);
    return Float64Array.from(lines.slice(1), (l) => Number(l.split(',')[k]));
  });
}
