import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readDataBlocks, newReadReport, type ColumnRequest, type ReadOptions } from '../../../src/data/readers/index.js';
import { pdgOf } from '../../../src/data/readers/lhe.js';
import { DataError } from '../../../src/util/errors.js';
import { tempDir, writeText } from '../../helpers.js';

// A hand-checked file: u ū → e⁻ e⁺ through an s-channel Z (status 2, not an
// input), √ŝ = 200 GeV; event 2 has reweighting entries, event 3 a gluon
// where the u belongs, event 4 a non-number in pz.
const particle = (id: number, st: number, px: string, py: string, pz: string, e: string) => `${id} ${st} 0 0 0 0 ${px} ${py} ${pz} ${e} 0.0 0.0 9.0`;
const event = (w: string, ps: string[], extra = '') => `<event>\n ${ps.length} 1 ${w} 91.18 7.5e-03 1.18e-01\n${ps.join('\n')}\n${extra}</event>`;
const ps = (first = 2, pz4 = '-60.0') => [
  particle(first, -1, '0', '0', '100.0', '100.0'),
  particle(-2, -1, '0', '0', '-100.0', '100.0'),
  particle(23, 2, '0', '0', '0', '200.0'),
  particle(11, 1, '80.0', '0', '60.0', '100.0'),
  particle(-11, 1, '-80.0', '0', pz4, '100.0'),
];
const FILE = `<?xml version="1.0"?>
<LesHouchesEvents version="3.0">
<header><!-- made by hand --><initrwgt><weight id="mu2">muR=2</weight></initrwgt></header>
<init>
2 -2 6.5e3 6.5e3 0 0 0 0 3 1
1.0 0.1 1.0 1
</init>
${event('1.5e-3', ps())}
${event('2.5e-3', ps(), "<rwgt>\n<wgt id='mu2'> 3.25e-3 </wgt>\n</rwgt>\n")}
${event('3.5e-3', ps(21))}
${event('4.5e-3', ps(2, '-6O.0'))}
${event('5.5e-3', ps())}
</LesHouchesEvents>
`;
const PARTICLES = [{ name: 'u', type: 'u' }, { name: 'ub', type: 'u~' }, { name: 'em', type: 'e-' }, { name: 'ep', type: '-11' }];

async function read(text: string, columns: ColumnRequest[], extra: Partial<ReadOptions> = {}, name = 'ev.lhe') {
  const file = writeText(tempDir(), name, text);
  const report = newReadReport();
  const rows: number[][] = [];
  for await (const b of readDataBlocks([file], { columns, format: { particles: PARTICLES }, ...extra }, report)) {
    for (let r = 0; r < b.rows; r++) rows.push(Array.from(b.values.subarray(r * columns.length, (r + 1) * columns.length)));
  }
  return { rows, report, file };
}

const cols = (...names: string[]): ColumnRequest[] => names.map((name) => ({ name, check: name === 'weight' ? 'positive' : 'finite' }));

test('PDG names: MadGraph spellings and numeric ids', () => {
  assert.equal(pdgOf('g'), 21);
  assert.equal(pdgOf('u~'), -2);
  assert.equal(pdgOf('-11'), -11);
  assert.equal(pdgOf('W+'), 24);
  assert.equal(pdgOf('gluino'), null);
});

test('LHE events give the external four-momenta (E, px, py, pz) in order and the weight; bad events are named and, with skipping, counted', async () => {
  const want = cols('u_E', 'u_pz', 'ub_pz', 'em_px', 'ep_E', 'ep_pz', 'weight');
  const { rows, report } = await read(FILE, want, { skipBadRows: true }, 'ev.lhe.gz');
  assert.deepEqual(rows, [
    [100, 100, -100, 80, 100, -60, 1.5e-3],
    [100, 100, -100, 80, 100, -60, 2.5e-3],
    [100, 100, -100, 80, 100, -60, 5.5e-3],
  ]);
  assert.deepEqual(report.header.slice(0, 4), ['u_E', 'u_px', 'u_py', 'u_pz']);
  assert.equal(report.files[0].unit, 'event');
  assert.deepEqual(report.skippedExamples.map((s) => [s.line, s.column]), [[3, 'u_E'], [4, 'ep_pz']]);
  assert.match(report.skippedExamples[0].problem, /PDG id 21, its type says 2/);
  assert.match(report.skippedExamples[1].problem, /particle line 5, pz: non-numeric value '-6O\.0'/);
  await assert.rejects(read(FILE, want), (e: unknown) => e instanceof DataError && /ev\.lhe, event 3, column 'u_E': particle 1 \(u\) has PDG id 21/.test(e.message));
});

test('a named <rwgt> entry can be the target; an event without it is a named error', async () => {
  const text = FILE.replace(event('1.5e-3', ps()), event('1.5e-3', ps(), "<rwgt><wgt id='mu2'>1.0e-3</wgt></rwgt>\n"));
  const { rows } = await read(text, cols('u_E', 'rwgt:mu2'), { maxRows: 2 });
  assert.deepEqual(rows, [[100, 1.0e-3], [100, 3.25e-3]]);
  await assert.rejects(read(FILE, cols('u_E', 'rwgt:mu2')), /column 'rwgt:mu2': required column 'rwgt:mu2' is missing|event 1, column 'rwgt:mu2': no <wgt id='mu2'>/);
  await assert.rejects(read(text, cols('u_E', 'rwgt:mu2')), /ev\.lhe, event 3, column 'u_E'/);
});

test('broken XML and a wrong particle count are errors with the file name', async () => {
  await assert.rejects(read(FILE.replace('</init>', '</inti>'), cols('u_E')), /ev\.lhe: not well-formed LHE\/XML/);
  const three = FILE.replace(/<event>[\s\S]*?<\/event>/, event('1e-3', ps().slice(0, 4)).replace('\n 5 1', '\n 4 1'));
  await assert.rejects(read(three, cols('u_E')), /ev\.lhe, event 1: the event has 3 external particles \(status −1 and \+1\), data\.momenta names 4/);
});
