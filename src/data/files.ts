import { statSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { globSync, isDynamicPattern } from 'tinyglobby';
import { AmpfitError } from '../util/errors.js';

// A folder or glob picks the files whose names say they are data; a file
// named on its own is read whatever its name (its format comes from its bytes).
const CHUNK_NAME = /\.(csv(\.gz)?|h5|hdf5|he5|parquet|pq|npy|npz|lhe(\.gz)?)$/i;
const KNOWN = '.csv, .csv.gz, .h5, .hdf5, .parquet, .npy, .npz, .lhe or .lhe.gz';

/**
 * Turns the user's data spec — a folder, a glob, a file, or a list of any of
 * these — into the ordered list of chunk files. Order is the sorted path order
 * within each entry and the user's order across entries, so a run sees the same
 * rows in the same order every time. A spec entry that yields no file is an
 * error: a typo in a glob must not silently train on less data.
 */
export function resolveDataFiles(spec: string | readonly string[], baseDir = process.cwd()): string[] {
  const entries = typeof spec === 'string' ? [spec] : spec;
  if (entries.length === 0) throw new AmpfitError('no data files given');
  const files: string[] = [];
  for (const entry of entries) {
    const found = resolveEntry(entry, baseDir);
    if (found.length === 0) throw new AmpfitError(`data '${entry}' matches no ${KNOWN} file`);
    files.push(...found);
  }
  const seen = new Set<string>();
  for (const f of files) {
    if (seen.has(f)) throw new AmpfitError(`data file ${f} is listed twice: its rows would be counted twice`);
    seen.add(f);
  }
  return files;
}

function resolveEntry(entry: string, baseDir: string): string[] {
  const path = resolve(baseDir, entry);
  if (!isDynamicPattern(entry)) {
    let st;
    try {
      st = statSync(path);
    } catch {
      throw new AmpfitError(`data path ${path} does not exist`);
    }
    if (st.isDirectory()) {
      return readdirSync(path)
        .filter((name) => CHUNK_NAME.test(name))
        .sort()
        .map((name) => join(path, name));
    }
    return [path];
  }
  return globSync(entry, { cwd: baseDir, absolute: true, onlyFiles: true })
    .filter((f) => CHUNK_NAME.test(f))
    .sort();
}
