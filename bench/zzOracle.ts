// The exact zz amplitude (MCFM-10.3 via ../shared/oracle, GPL) as an external
// program: built once per process in a temporary copy of its sources (the
// shared folder is read-only) and fed CSV rows on stdin. ampfit contains none
// of its code; tests and benchmarks call it as one calls any tool.

import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ORACLE_SRC = resolve(fileURLToPath(new URL('../../', import.meta.url)), '../shared/oracle');
let built: string | null = null;

/** The folder of the built oracle: libzzoracle.a and driver/zz_oracle.h, for C programs that link it. */
export function zzOracleDir(): string {
  return dirname(zzOracle());
}

/** Path of the zzoracle program, compiled on first use (gfortran and gcc needed). */
export function zzOracle(): string {
  if (built !== null) return built;
  if (!existsSync(ORACLE_SRC)) throw new Error(`the oracle sources are missing at ${ORACLE_SRC}`);
  const root = mkdtempSync(join(tmpdir(), 'ampfit-oracle-'));
  // Every test file and benchmark builds its own copy: leave none behind.
  process.on('exit', () => rmSync(root, { recursive: true, force: true }));
  const dir = join(root, 'oracle');
  cpSync(ORACLE_SRC, dir, { recursive: true });
  execFileSync('chmod', ['-R', 'u+w', dir]);
  execFileSync('make', ['-s', '-j2', 'NICE=', 'zzoracle'], { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
  built = join(dir, 'zzoracle');
  return built;
}

/** f00 and f01 at rows of x1..x8 in the unit cube. */
export function zzEvaluate(rows: readonly (readonly number[])[]): { f00: Float64Array; f01: Float64Array } {
  const input = rows.map((r) => r.map((v) => v.toPrecision(17)).join(',')).join('\n') + '\n';
  const out = execFileSync(zzOracle(), { input, maxBuffer: 1 << 30 }).toString().trim().split('\n');
  if (out.length !== rows.length) throw new Error(`zzoracle answered ${out.length} rows for ${rows.length}`);
  const f00 = new Float64Array(rows.length);
  const f01 = new Float64Array(rows.length);
  out.forEach((line, i) => {
    const [a, b] = line.split(',').map(Number);
    f00[i] = a;
    f01[i] = b;
  });
  return { f00, f01 };
}

/**
 * The data card's zz4d rule, exact for l ≤ 2: 3-point Gauss–Legendre in each
 * cos θ, 4 equally spaced φ; 144 decay points (x5..x8) and their weights.
 */
export function angularRule(): { points: number[][]; weights: number[] } {
  const gl = [-Math.sqrt(3 / 5), 0, Math.sqrt(3 / 5)];
  const glw = [5 / 9, 8 / 9, 5 / 9];
  const points: number[][] = [];
  const weights: number[] = [];
  for (let a = 0; a < 3; a++) for (let b = 0; b < 4; b++) for (let c = 0; c < 3; c++) for (let d = 0; d < 4; d++) {
    points.push([(gl[a] + 1) / 2, (b + 0.5) / 4, (gl[c] + 1) / 2, (d + 0.5) / 4]);
    weights.push((glw[a] / 8) * (glw[c] / 8));
  }
  return { points, weights };
}
