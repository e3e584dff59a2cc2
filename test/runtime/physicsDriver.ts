// The physics driver (test/runtime/physics.c) for the momenta and fallback
// tests: built against libampfit's static archive, run on binary point files.

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from '../helpers.js';
import { writeDoubles } from '../export/fixtures.js';

export const RUNTIME = join(REPO, 'native/runtime');

/** Builds libampfit and the driver into work; returns the driver's path. */
export function buildPhysics(work: string): string {
  const make = spawnSync('make', ['-C', RUNTIME], { encoding: 'utf8' });
  assert.equal(make.status, 0, make.stderr);
  const physics = join(work, 'physics');
  const b = spawnSync('gcc', ['-O2', '-std=c11', '-Wall', '-Werror', '-I', join(RUNTIME, 'include'), join(REPO, 'test/runtime/physics.c'), join(RUNTIME, 'build/libampfit.a'),
    '-lm', '-pthread', '-o', physics], { encoding: 'utf8' });
  assert.equal(b.status, 0, b.stderr);
  return physics;
}

/** values written to a fresh binary file in work. */
export function pointFile(work: string, values: ArrayLike<number>): string {
  const f = join(work, `d-${Math.random().toString(36).slice(2)}.bin`);
  writeDoubles(f, Float64Array.from(values));
  return f;
}

export interface DriverRun {
  status: number;
  message: string;
  /** key → value of the "key value" lines after status and message. */
  keys: Map<string, string>;
  /** The numeric rows: one per point, columns split. */
  rows: number[][];
}

/** A number as C's printf %.17g writes it (nan, -nan, inf, -inf included). */
const NUMBER = /^[-+]?(nan|inf|\d+(\.\d*)?(e[-+]?\d+)?)$/i;
const printed = (t: string): number => (/nan/i.test(t) ? Number.NaN : /inf/i.test(t) ? (t.startsWith('-') ? -Infinity : Infinity) : Number(t));

/** Runs the driver; status, message, keyed lines and numeric rows. */
export function runPhysics(driver: string, args: string[]): DriverRun {
  const r = spawnSync(driver, args, { encoding: 'utf8', maxBuffer: 1 << 28 });
  assert.equal(r.status, 0, `physics ${args.join(' ')}: ${r.stderr}`);
  const lines = r.stdout.split('\n').filter((l) => l !== '');
  const keys = new Map<string, string>();
  const rows: number[][] = [];
  for (const l of lines.slice(2)) {
    const tokens = l.split(' ');
    if (tokens.every((t) => NUMBER.test(t))) rows.push(tokens.map(printed));
    else keys.set(tokens[0], tokens.slice(1).join(' '));
  }
  return { status: Number(/^status (\d+)$/.exec(lines[0])?.[1]), message: lines[1]?.startsWith('message ') ? lines[1].slice(8) : '', keys, rows };
}
