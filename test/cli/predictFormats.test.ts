import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, SAMPLE_4D, tempDir, writeText } from '../helpers.js';
import { writeFixtures } from '../support/fixtures.js';

// Issue 21, item 2: predict reads every input format. The predictions of
// one model from the zz4d rows as Parquet, .npz (stored and compressed) and
// a 2-D HDF5 table must be the very doubles it gives from their CSV; and a
// model on four-momenta predicts from LHE and LHEH5 events (written by hand
// and by h5py) what it predicts from the same momenta as CSV.
const bin = join(REPO, 'bin/ampfit.js');
const work = tempDir();

function ampfit(...args: string[]): void {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  assert.equal(r.status, 0, `${args.join(' ')}: ${r.stderr}`);
}

/** The prediction column of a predict CSV output. */
function predictions(file: string, column: string): number[] {
  const [head, ...rows] = readFileSync(file, 'utf8').trim().split('\n');
  const k = head.split(',').indexOf(column);
  assert.ok(k >= 0, `${file}: no column ${column} in ${head}`);
  return rows.map((l) => Number(l.split(',')[k]));
}

test('predict from Parquet, .npz and an HDF5 table gives the predictions it gives from CSV', () => {
  const fx = writeFixtures(1500);
  const cfg = writeText(work, 'c.json', JSON.stringify({ data: { files: SAMPLE_4D, target: 'f01', born: 'f00', max_rows: 1500 }, model_type: 'poly', degree: 2 }));
  ampfit('train', '--config', cfg, '--out', join(work, 'm'), '--quiet');
  const csv = writeText(work, 'in.csv', [fx.header.join(','), ...Array.from(fx.columns[0], (_, r) => fx.columns.map((c) => String(c[r])).join(','))].join('\n') + '\n');
  ampfit('predict', '--model', join(work, 'm'), '--input', csv, '--output', join(work, 'p.csv'));
  const want = predictions(join(work, 'p.csv'), 'prediction');
  assert.equal(want.length, 1500);
  const inputs: [string, string[]][] = [
    ['table.parquet', []],
    ['columns.npz', []],
    ['compressed.npz', []],
    ['table.h5', ['--dataset', '/train']],
  ];
  for (const [file, extra] of inputs) {
    const out = join(work, `p-${file}.csv`);
    ampfit('predict', '--model', join(work, 'm'), '--input', join(fx.dir, file), ...extra, '--output', out);
    assert.deepEqual(predictions(out, 'prediction'), want, file);
  }
});

const NAMES = ['u', 'ub', 'em', 'ep'];
const COLUMNS = NAMES.flatMap((p) => ['E', 'px', 'py', 'pz'].map((c) => `${p}_${c}`));
/** Three events of u ū → e⁻ e⁺ at different angles: per particle (E, px, py, pz). */
const EVENTS = [0.3, 0.5, 0.8].map((c) => {
  const s = Math.sqrt(1 - c * c);
  return [[0.5, 0, 0, 0.5], [0.5, 0, 0, -0.5], [0.5, 0.5 * s, 0, 0.5 * c], [0.5, -0.5 * s, 0, -0.5 * c]];
});

test('predict from LHE and LHEH5 events gives the predictions it gives from the same momenta as CSV', () => {
  const rows = Array.from({ length: 60 }, (_, i) => COLUMNS.map((_, j) => ((i * 7 + j * 13) % 17) / 17));
  const train = writeText(work, 'mom.csv', [[...COLUMNS, 'weight'].join(','), ...rows.map((r) => [...r, 1e-3 * (1 + r.reduce((a, b) => a + b))].join(','))].join('\n') + '\n');
  const cfg = writeText(work, 'mom.json', JSON.stringify({ data: { files: train, inputs: COLUMNS, target: 'weight' }, model_type: 'poly', degree: 1 }));
  ampfit('train', '--config', cfg, '--out', join(work, 'mom'), '--quiet');
  const csv = writeText(work, 'ev.csv', [COLUMNS.join(','), ...EVENTS.map((e) => e.flat().join(','))].join('\n') + '\n');
  ampfit('predict', '--model', join(work, 'mom'), '--input', csv, '--output', join(work, 'ev-p.csv'), '--allow-outside-domain');
  const want = predictions(join(work, 'ev-p.csv'), 'prediction');
  assert.equal(want.length, 3);
  // PUP is (px, py, pz, E, m); status −1 incoming, +1 outgoing, 2 an intermediate Z that is not an input.
  const line = (id: number, st: number, [e, px, py, pz]: number[]): string => `${id} ${st} 0 0 0 0 ${px} ${py} ${pz} ${e} 0 0 9`;
  const lhe = writeText(
    work,
    'ev.lhe',
    `<LesHouchesEvents version="3.0">\n<init>\n2212 2212 6.5e3 6.5e3 0 0 0 0 3 1\n1 0.1 1 1\n</init>\n` +
      EVENTS.map((e) => `<event>\n 5 1 1e-3 91.18 7.5e-03 1.18e-01\n${[line(2, -1, e[0]), line(-2, -1, e[1]), line(23, 2, [1, 0, 0, 0]), line(11, 1, e[2]), line(-11, 1, e[3])].join('\n')}\n</event>\n`).join('') +
      '</LesHouchesEvents>\n',
  );
  ampfit('predict', '--model', join(work, 'mom'), '--input', lhe, '--output', join(work, 'lhe-p.csv'), '--allow-outside-domain');
  assert.deepEqual(predictions(join(work, 'lhe-p.csv'), 'prediction'), want);
  // The same events as LHEH5 version 2 (h5py): /events and /particles, named by their `properties` attributes.
  const lheh5 = join(work, 'ev.lheh5.h5');
  const py = spawnSync('/usr/bin/python3', ['-c', `import h5py, json, sys, numpy as np
evs = json.loads(sys.argv[2])
events, particles = [], []
for e in evs:
    ps = [(2, -1, e[0]), (-2, -1, e[1]), (23, 2, [1, 0, 0, 0]), (11, 1, e[2]), (-11, 1, e[3])]
    events.append([1, len(ps), len(particles), 1, 91.18, 91.18, 91.18, 7.5e-3, 0.118, 1e-3])
    particles += [[i, s, 0, 0, 0, 0, p[1], p[2], p[3], p[0], 0, 0, 9] for i, s, p in ps]
with h5py.File(sys.argv[1], "w") as h:
    d = h.create_dataset("events", data=np.array(events, dtype="f8"))
    d.attrs["properties"] = [c.encode() for c in ["pid", "nparticles", "start", "trials", "scale", "fscale", "rscale", "aqed", "aqcd", "NOMINAL"]]
    d = h.create_dataset("particles", data=np.array(particles, dtype="f8"))
    d.attrs["properties"] = [c.encode() for c in ["id", "status", "mother1", "mother2", "color1", "color2", "px", "py", "pz", "e", "m", "lifetime", "spin"]]`, lheh5, JSON.stringify(EVENTS)], { encoding: 'utf8' });
  assert.equal(py.status, 0, py.stderr);
  ampfit('predict', '--model', join(work, 'mom'), '--input', lheh5, '--output', join(work, 'lheh5-p.csv'), '--allow-outside-domain');
  assert.deepEqual(predictions(join(work, 'lheh5-p.csv'), 'prediction'), want);
});
