import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { readDataBlocks, countRows, detectFormat, newReadReport, type ColumnRequest, type ReadOptions } from '../../../src/data/readers/index.js';
import { loadDataset } from '../../../src/data/dataset.js';
import { DataError } from '../../../src/util/errors.js';
import { tempDir, writeText } from '../../helpers.js';
import { writeFixtures } from '../../support/fixtures.js';

// The LHEH5 files are written by h5py in test/support/write_fixtures.py: the
// events of test/data/readers/lhe.test.ts (u ū → Z → e⁻ e⁺ at √ŝ = 200 GeV;
// event 3 has a gluon where the u belongs, event 4 a NaN pz), with a nominal
// weight and a 'mu2' variation, and a padding row between events 1 and 2.
const fx = writeFixtures(2000);
const EVENTS = join(fx.dir, 'events.lheh5.h5');
const UNNAMED = join(fx.dir, 'unnamed.lheh5.h5');
const PARTICLES = [{ name: 'u', type: 'u' }, { name: 'ub', type: 'u~' }, { name: 'em', type: 'e-' }, { name: 'ep', type: '-11' }];
const cols = (...names: string[]): ColumnRequest[] => names.map((name) => ({ name, check: name === 'weight' || name.startsWith('rwgt:') ? 'positive' : 'finite' }));

async function read(file: string, columns: ColumnRequest[], extra: Partial<ReadOptions> = {}) {
  const report = newReadReport();
  const rows: number[][] = [];
  for await (const b of readDataBlocks([file], { columns, format: { particles: PARTICLES }, ...extra }, report)) {
    for (let r = 0; r < b.rows; r++) rows.push(Array.from(b.values.subarray(r * columns.length, (r + 1) * columns.length)));
  }
  return { rows, report };
}

test('LHEH5 events give the external four-momenta in order, the nominal weight and named weights; bad events are named and counted', async () => {
  assert.equal(detectFormat(EVENTS), 'hdf5');
  assert.equal(await countRows([EVENTS]), 5);
  const want = cols('u_E', 'u_pz', 'ub_pz', 'em_px', 'ep_E', 'ep_pz', 'weight', 'rwgt:mu2');
  const { rows, report } = await read(EVENTS, want, { skipBadRows: true });
  assert.deepEqual(rows, [
    [100, 100, -100, 80, 100, -60, 1.5e-3, 3.0e-3],
    [100, 100, -100, 80, 100, -60, 2.5e-3, 3.25e-3],
    [100, 100, -100, 80, 100, -60, 5.5e-3, 1.1e-2],
  ]);
  assert.deepEqual(report.header, [...['u', 'ub', 'em', 'ep'].flatMap((p) => ['E', 'px', 'py', 'pz'].map((c) => `${p}_${c}`)), 'weight', 'rwgt:mu2']);
  assert.deepEqual([report.files[0].format, report.files[0].unit, report.files[0].rows, report.files[0].skipped], ['lheh5', 'event', 3, 2]);
  assert.match(report.files[0].sha256 ?? '', /^[0-9a-f]{64}$/);
  assert.deepEqual(report.skippedExamples.map((s) => [s.line, s.column]), [[3, 'u_E'], [4, 'ep_pz']]);
  assert.match(report.skippedExamples[0].problem, /PDG id 21, its type says 2/);
  assert.equal(report.skippedExamples[1].problem, 'NaN value');
  await assert.rejects(read(EVENTS, want), (e: unknown) => e instanceof DataError && /events\.lheh5\.h5, event 3, column 'u_E': particle 1 \(u\) has PDG id 21/.test(e.message));
});

test('LHEH5 gives the same doubles as the LHE reader on the same events', async () => {
  const p = (id: number, st: number, px: string, py: string, pz: string, e: string) => `${id} ${st} 0 0 0 0 ${px} ${py} ${pz} ${e} 0.0 0.0 9.0`;
  const ev = (w: string, mu2: string) =>
    `<event>\n 5 1 ${w} 91.18 7.5e-03 1.18e-01\n${[p(2, -1, '0', '0', '100.0', '100.0'), p(-2, -1, '0', '0', '-100.0', '100.0'), p(23, 2, '0', '0', '0', '200.0'), p(11, 1, '80.0', '0', '60.0', '100.0'), p(-11, 1, '-80.0', '0', '-60.0', '100.0')].join('\n')}\n<rwgt><wgt id='mu2'>${mu2}</wgt></rwgt>\n</event>`;
  const lhe = writeText(tempDir(), 'ev.lhe', `<LesHouchesEvents version="3.0">\n<init>\n2212 2212 6.5e3 6.5e3 0 0 0 0 -4 1\n1.0 0.1 1.0 1\n</init>\n${ev('1.5e-3', '3.0e-3')}\n${ev('2.5e-3', '3.25e-3')}\n${ev('5.5e-3', '1.1e-2')}\n</LesHouchesEvents>\n`);
  const all = cols(...['u', 'ub', 'em', 'ep'].flatMap((n) => ['E', 'px', 'py', 'pz'].map((c) => `${n}_${c}`)), 'weight', 'rwgt:mu2');
  const fromH5 = await read(EVENTS, all, { skipBadRows: true });
  const fromLhe = await read(lhe, all);
  assert.deepEqual(fromH5.rows, fromLhe.rows);
});

test('LHEH5 without column-name attributes uses the format\'s columns; max_rows stops inside the file; loadDataset trains on it', async () => {
  const { rows, report } = await read(UNNAMED, cols('em_E', 'weight'), { maxRows: 2 });
  assert.deepEqual(rows, [[100, 1.5e-3], [100, 2.5e-3]]);
  assert.equal(report.truncated, true);
  assert.equal(report.files[0].sha256, null);
  await assert.rejects(read(UNNAMED, cols('em_E', 'rwgt:mu2')), /unnamed\.lheh5\.h5, column 'rwgt:mu2': required column 'rwgt:mu2' is missing/);
  const ds = await loadDataset({
    files: [EVENTS],
    inputs: ['u_E', 'u_pz', 'em_px', 'em_pz'],
    target: 'weight',
    born: null,
    requirePositiveTarget: true,
    skipBadRows: true,
    format: { particles: PARTICLES },
  });
  // Event 3 (the gluon) is skipped; event 4's NaN is in a column not read.
  assert.equal(ds.n, 4);
  assert.deepEqual(Array.from(ds.x.subarray(0, 4)), [100, 100, 80, 60]);
  assert.deepEqual(Array.from(ds.y), [1.5e-3, 2.5e-3, 4.5e-3, 5.5e-3]);
});

test('an HDF5 table named by a `properties` attribute reads as a plain table: LHEH5 /events with data.dataset', async () => {
  const { rows } = await read(EVENTS, cols('nparticles', 'start', 'NOMINAL'), { format: { dataset: '/events' } });
  assert.deepEqual(rows.map((r) => r.slice(0, 2)), [[5, 0], [5, 6], [5, 11], [5, 16], [5, 21]]);
});

test('LHEH5 version 1 (groups of 1-D datasets, with or without /index) reads as version 2 does', async () => {
  const all = cols(...['u', 'ub', 'em', 'ep'].flatMap((n) => ['E', 'px', 'py', 'pz'].map((c) => `${n}_${c}`)), 'weight');
  const v2 = await read(EVENTS, all, { skipBadRows: true });
  for (const name of ['events.lheh5v1.h5', 'noindex.lheh5v1.h5']) {
    const file = join(fx.dir, name);
    assert.equal(await countRows([file]), 5);
    const v1 = await read(file, all, { skipBadRows: true });
    assert.deepEqual(v1.rows, v2.rows, name);
    assert.deepEqual(v1.report.skippedExamples.map((s) => [s.line, s.column, s.problem]), v2.report.skippedExamples.map((s) => [s.line, s.column, s.problem]), name);
    assert.equal(v1.report.files[0].format, 'lheh5');
  }
  await assert.rejects(read(join(fx.dir, 'events.lheh5v1.h5'), cols('em_E', 'rwgt:mu2')), /required column 'rwgt:mu2' is missing \(the events give: .*, weight\)/);
});
