import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

/** The repository root (tests run from dist/test/...). */
export const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const SAMPLE_2D = join(REPO, 'data/sample/zz2d_sample.csv.gz');
export const SAMPLE_4D = join(REPO, 'data/sample/zz4d_sample.csv.gz');
/** The full datasets, present beside the repo in CI. */
export const SHARED_DATA = join(REPO, '../shared/data');

const made: string[] = [];
process.on('exit', () => {
  for (const dir of made) rmSync(dir, { recursive: true, force: true });
});

/** A fresh temporary directory, removed when the test process exits. */
export function tempDir(prefix = 'ampfit-test-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** Writes text to dir/name, gzipped when the name ends in .gz; returns the path. */
export function writeText(dir: string, name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, name.endsWith('.gz') ? gzipSync(Buffer.from(text)) : text);
  return path;
}
