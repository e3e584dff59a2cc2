// Les Houches Event files (.lhe, .lhe.gz), streamed through saxes (a strict,
// well-kept SAX parser: the file is never held whole). Each <event> becomes
// one row:
//   - the four-momenta of its external particles — status −1 (incoming) then
//     status +1 (outgoing), in the order they are listed — as columns
//     <name>_E, <name>_px, <name>_py, <name>_pz, the names from data.momenta's
//     particles (default p1, p2, …);
//   - `weight`, the event weight XWGTUP, and `rwgt:<id>` for each
//     <rwgt><wgt id='<id>'> entry.
// Intermediate particles (status 2, …) are not inputs. When a particle's
// type is a PDG id ("21") or a known name ("g", "a", "e-", "u~", …), every
// event's particle must have that id. An event that does not fit — other
// particles, a field that is no number, a missing reweighting entry — is a
// bad row named by its event number.

import { createReadStream } from 'node:fs';
import { createGunzip } from 'node:zlib';
import type { Readable } from 'node:stream';
import { SaxesParser } from 'saxes';
import { AmpfitError, DataError } from '../../util/errors.js';
import { describeBadNumber, parseStrictNumber } from '../number.js';
import { COMPONENTS } from '../momenta.js';
import { RowSink } from './rows.js';
import type { ColumnRequest, FileContext, FileResult, RowBlock } from './types.js';

const FLUSH_EVENTS = 4096;

/** PDG ids of the particle names MadGraph and the papers use. */
const PDG: Readonly<Record<string, number>> = {
  d: 1, u: 2, s: 3, c: 4, b: 5, t: 6,
  'd~': -1, 'u~': -2, 's~': -3, 'c~': -4, 'b~': -5, 't~': -6,
  'e-': 11, 'e+': -11, ve: 12, 've~': -12, 'mu-': 13, 'mu+': -13, vm: 14, 'vm~': -14, 'ta-': 15, 'ta+': -15, vt: 16, 'vt~': -16,
  g: 21, a: 22, z: 23, 'w+': 24, 'w-': -24, h: 25,
};

/** The PDG id a particle type names, or null when it names none ampfit knows (then ids are not checked). */
export function pdgOf(type: string): number | null {
  if (/^-?\d+$/.test(type)) return Number(type);
  return PDG[type.toLowerCase()] ?? null;
}

interface Layout {
  readonly names: string[];
  readonly pdg: (number | null)[];
  /** For each request: particle index and component (0..3), or -1 for the weight, or -2 for an rwgt entry. */
  readonly source: { particle: number; component: number; rwgt: string | null }[];
}

export async function* readLheFile(file: string, ctx: FileContext): AsyncGenerator<RowBlock, FileResult> {
  const particles = ctx.options.format?.particles ?? null;
  let layout: Layout | null = null;
  let requests: readonly ColumnRequest[] = [];
  let sink: RowSink | null = null;
  let rows = new Float64Array(0);
  let fill = 0;
  let firstOfFill = 1;
  let eventNo = 0;

  // Parser state: the text directly inside <event>, and the current <wgt>.
  let inEvent = false;
  let depth = 0;
  let eventText = '';
  let wgtId: string | null = null;
  let wgtText = '';
  let weights = new Map<string, string>();
  let failure: Error | null = null;
  // (The parser's callbacks set `sink`; a function call keeps TypeScript from narrowing it to null here.)
  const current = (): RowSink | null => sink;

  const flush = (): void => {
    if (sink === null || fill === 0) return;
    const nOut = requests.length;
    sink.add(firstOfFill, fill, requests.map((_, s) => ({ data: rows, offset: s, stride: nOut })));
    fill = 0;
  };

  const onEvent = (text: string, wgts: Map<string, string>): void => {
    eventNo++;
    const lines = text.split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
    const parsed = parseEvent(lines);
    if (layout === null) {
      if (typeof parsed === 'string') throw new DataError(file, eventNo, null, parsed, 'event');
      if (!('weight' in parsed)) throw new DataError(file, eventNo, null, parsed.problem, 'event');
      const external = parsed.external.length;
      const names = particles === null ? Array.from({ length: external }, (_, i) => `p${i + 1}`) : particles.map((p) => p.name);
      if (names.length !== external) {
        throw new DataError(file, eventNo, null, `the event has ${external} external particles (status −1 and +1), data.momenta names ${names.length}`, 'event');
      }
      const header = [...names.flatMap((n) => COMPONENTS.map((c) => `${n}_${c}`)), 'weight', ...[...wgts.keys()].map((id) => `rwgt:${id}`)];
      requests = ctx.requestsFor(header);
      layout = {
        names,
        pdg: particles === null ? names.map(() => null) : particles.map((p) => pdgOf(p.type)),
        source: requests.map((r) => {
          if (r.name === 'weight') return { particle: -1, component: -1, rwgt: null };
          if (r.name.startsWith('rwgt:')) return { particle: -2, component: -1, rwgt: r.name.slice(5) };
          const k = header.indexOf(r.name);
          if (k < 0 || k >= 4 * names.length) throw new DataError(file, 0, r.name, `required column '${r.name}' is missing (the events give: ${header.join(', ')})`, 'file');
          return { particle: Math.floor(k / 4), component: k % 4, rwgt: null };
        }),
      };
      sink = new RowSink(file, file, 'lhe', 'event', requests, ctx.options, ctx.report, ctx.rowsAllowed);
      rows = new Float64Array(FLUSH_EVENTS * requests.length);
    }
    const s = sink as RowSink;
    // Events after maxRows is reached are not looked at (the parser hands over a whole chunk of them).
    if (fill > 0 && s.goodRows + fill >= ctx.rowsAllowed) flush();
    if (s.done) return;
    // The sink numbers the rows of a run consecutively: the run ends before a bad event.
    const reject = (column: string | null, problem: string): void => {
      flush();
      s.bad(eventNo, column, problem);
    };
    if (typeof parsed === 'string') return reject(null, parsed);
    const L = layout;
    if (!('weight' in parsed)) return reject(parsed.particle < L.names.length ? `${L.names[parsed.particle]}_${COMPONENTS[parsed.component]}` : null, parsed.problem);
    if (parsed.external.length !== L.names.length) {
      return reject(null, `${parsed.external.length} external particles (status −1 and +1), the first event had ${L.names.length}`);
    }
    for (let i = 0; i < L.names.length; i++) {
      const want = L.pdg[i];
      if (want !== null && parsed.external[i].id !== want) {
        return reject(`${L.names[i]}_E`, `particle ${i + 1} (${L.names[i]}) has PDG id ${parsed.external[i].id}, its type says ${want}`);
      }
    }
    if (fill === 0) firstOfFill = eventNo;
    const base = fill * requests.length;
    for (let k = 0; k < L.source.length; k++) {
      const src = L.source[k];
      let v: number;
      if (src.particle >= 0) v = parsed.external[src.particle].p[src.component];
      else if (src.rwgt === null) v = parsed.weight;
      else {
        const t = wgts.get(src.rwgt);
        if (t === undefined) return reject(requests[k].name, `no <wgt id='${src.rwgt}'> in this event's <rwgt>`);
        v = parseStrictNumber(t);
        if (v !== v) return reject(requests[k].name, describeBadNumber(t.trim()));
      }
      rows[base + k] = v;
    }
    fill++;
    if (fill === FLUSH_EVENTS) flush();
  };

  const parser = new SaxesParser({ fileName: file });
  parser.on('opentag', (tag) => {
    if (failure !== null) return;
    if (!inEvent) {
      if (tag.name === 'event') {
        inEvent = true;
        depth = 0;
        eventText = '';
        weights = new Map();
      }
      return;
    }
    depth++;
    if (tag.name === 'wgt') {
      const id = tag.attributes.id;
      wgtId = typeof id === 'string' ? id : null;
      wgtText = '';
    }
  });
  parser.on('text', (t) => {
    if (!inEvent) return;
    if (depth === 0) eventText += t;
    else if (wgtId !== null) wgtText += t;
  });
  parser.on('closetag', (tag) => {
    if (failure !== null || !inEvent) return;
    if (depth === 0 && tag.name === 'event') {
      inEvent = false;
      try {
        onEvent(eventText, weights);
      } catch (e) {
        failure = e as Error;
      }
      return;
    }
    if (tag.name === 'wgt' && wgtId !== null) {
      weights.set(wgtId, wgtText);
      wgtId = null;
    }
    depth--;
  });

  const raw = createReadStream(file, { highWaterMark: 1 << 20 });
  let source: Readable = raw;
  const head = await firstBytes(file);
  if (head[0] === 0x1f && head[1] === 0x8b) {
    const gunzip = createGunzip();
    raw.on('error', (e) => gunzip.destroy(e));
    source = raw.pipe(gunzip);
  }
  source.setEncoding('utf8');
  try {
    for await (const chunk of source as AsyncIterable<string>) {
      try {
        parser.write(chunk);
      } catch (e) {
        throw new AmpfitError(`${file}: not well-formed LHE/XML: ${(e as Error).message}`);
      }
      if (failure !== null) throw failure;
      const s = current();
      if (s !== null) {
        if (fill > 0 && s.goodRows + fill >= ctx.rowsAllowed) flush(); // enough rows held back to end the read
        yield* s.take(false);
        if (s.done) break;
      }
    }
    const s = current();
    if (s === null || !s.done) {
      parser.close();
      const f = failure as Error | null;
      if (f !== null) throw f;
    }
  } catch (e) {
    raw.destroy();
    if (e instanceof AmpfitError) throw e;
    throw new AmpfitError(`${file}: cannot read: ${(e as Error).message}`);
  } finally {
    raw.destroy();
  }
  const s = current();
  if (s === null) throw new DataError(file, 0, null, 'no <event> in the file', 'file');
  if (!s.done) flush();
  yield* s.take(true);
  return { rows: s.goodRows, skipped: s.skippedRows, done: s.done };
}

async function firstBytes(file: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of createReadStream(file, { start: 0, end: 1 }) as AsyncIterable<Buffer>) parts.push(c);
  return Buffer.concat(parts);
}

interface ParsedEvent {
  readonly weight: number;
  readonly external: { id: number; p: [number, number, number, number] }[];
}

/** A momentum that is not a number: which external particle (in input order) and component, so the column can be named. */
interface BadMomentum {
  readonly problem: string;
  readonly particle: number;
  readonly component: number;
}

/** The event block's text: the NUP line, then NUP particle lines of 13 fields; a string (or a bad momentum) says what is wrong. */
function parseEvent(lines: readonly string[]): ParsedEvent | BadMomentum | string {
  if (lines.length === 0) return 'empty <event> block';
  const head = lines[0].split(/\s+/);
  if (head.length < 6) return `the event's first line has ${head.length} fields, LHE needs 6 (NUP IDPRUP XWGTUP SCALUP AQEDUP AQCDUP)`;
  const nup = parseStrictNumber(head[0]);
  if (!Number.isInteger(nup) || nup < 1) return `NUP '${head[0]}' is not a positive particle count`;
  if (lines.length - 1 < nup) return `NUP = ${nup} particles, but only ${lines.length - 1} particle lines follow`;
  const weight = parseStrictNumber(head[2]);
  if (weight !== weight) return `event weight XWGTUP: ${describeBadNumber(head[2])}`;
  const incoming: ParsedEvent['external'] = [];
  const outgoing: ParsedEvent['external'] = [];
  let bad: (BadMomentum & { readonly incoming: boolean; readonly index: number }) | null = null;
  for (let i = 1; i <= nup; i++) {
    const f = lines[i].split(/\s+/);
    if (f.length < 13) return `particle line ${i} has ${f.length} fields, LHE needs 13`;
    const id = parseStrictNumber(f[0]);
    const status = parseStrictNumber(f[1]);
    if (!Number.isInteger(id) || !Number.isInteger(status)) return `particle line ${i}: id '${f[0]}' and status '${f[1]}' must be integers`;
    if (status !== -1 && status !== 1) continue;
    // PUP is (px, py, pz, E, m); ampfit's columns are (E, px, py, pz).
    const p: [number, number, number, number] = [parseStrictNumber(f[9]), parseStrictNumber(f[6]), parseStrictNumber(f[7]), parseStrictNumber(f[8])];
    const c = p.findIndex((v) => v !== v);
    const list = status === -1 ? incoming : outgoing;
    // The first bad one wins; the particle lines are still counted, since its place among the external particles needs them all.
    if (c >= 0 && bad === null) bad = { problem: `particle line ${i}, ${COMPONENTS[c]}: ${describeBadNumber(f[[9, 6, 7, 8][c]])}`, particle: -1, component: c, incoming: status === -1, index: list.length };
    list.push({ id, p });
  }
  if (bad !== null) return { problem: bad.problem, particle: bad.incoming ? bad.index : incoming.length + bad.index, component: bad.component };
  return { weight, external: [...incoming, ...outgoing] };
}
