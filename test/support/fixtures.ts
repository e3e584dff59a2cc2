import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { parquetWriteFile } from 'hyparquet-writer';
import { REPO, SAMPLE_4D, tempDir } from '../helpers.js';

/** The zz4d sample's first `rows` rows in every format, written by h5py, numpy and hyparquet-writer (not by ampfit). Fails — never skips — without them. */
export function writeFixtures(rows: number): { dir: string; header: string[]; columns: Float64Array[] } {
  const dir = tempDir('ampfit-formats-');
  execFileSync('/usr/bin/python3', [join(REPO, 'test/support/write_fixtures.py'), SAMPLE_4D, String(rows), dir], { stdio: ['ignore', 'ignore', 'inherit'] });
  // The Parquet file holds the same doubles: numpy hands them over as raw column-major bytes.
  const npy = execFileSync('/usr/bin/python3', ['-c', `import numpy as np, sys; a = np.load(sys.argv[1]); sys.stdout.buffer.write(np.ascontiguousarray(a.T).tobytes())`, join(dir, 'table.npy')]);
  const header = ['x1', 'x2', 'x3', 'x4', 'f00', 'f01', 'y'];
  const all = new Float64Array(npy.buffer.slice(npy.byteOffset, npy.byteOffset + npy.byteLength));
  const n = all.length / header.length;
  const columns = header.map((_, j) => all.slice(j * n, (j + 1) * n));
  parquetWriteFile({ filename: join(dir, 'table.parquet'), columnData: header.map((name, j) => ({ name, data: columns[j], type: 'DOUBLE' as const, nullable: false })), rowGroupSize: 700 });
  return { dir, header, columns };
}
