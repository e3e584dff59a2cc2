import { test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { readDataBlocks, newReadReport } from '../../../src/data/readers/index.js';
import { AmpfitError } from '../../../src/util/errors.js';
import { tempDir } from '../../helpers.js';
import { FUZZ_RUNS, FUZZ_SEED } from '../../fuzzRuns.js';

// Issue 17: a corrupted CSV or CSV.gz file gives exactly the original numbers
// or a named error (DataError/AmpfitError) — never a crash, a hang or other
// numbers. "Corrupted" means what a careless pipeline does to a file (stray
// spaces, tabs, quotes, letters, NUL or Latin-1 bytes, a lost or doubled
// comma or line end, a cut or bit-flipped gzip stream), not an edit that
// writes another valid number (a digit changed, a '-' or '.' added): no
// reader can tell those from the real thing.

const dir = tempDir();
let caseNo = 0;

interface Table {
  readonly header: string[];
  readonly rows: number[][];
  readonly crlf: boolean;
  readonly finalNewline: boolean;
}

const cell = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.double({ min: 0, max: 1, noNaN: true }),
  fc.integer({ min: -1000, max: 1000 }),
);

const table: fc.Arbitrary<Table> = fc.integer({ min: 2, max: 5 }).chain((cols) =>
  fc.record({
    header: fc.constant(Array.from({ length: cols }, (_, i) => (i === cols - 1 ? 'f01' : `x${i + 1}`))),
    rows: fc.array(fc.array(cell, { minLength: cols, maxLength: cols }), { minLength: 1, maxLength: 30 }),
    crlf: fc.boolean(),
    finalNewline: fc.boolean(),
  }),
);

/** How a physics program writes a double: shortest round trip, 17 significant digits, or exponent form. */
const style = fc.constantFrom<(v: number) => string>((v) => String(v), (v) => v.toPrecision(17), (v) => v.toExponential());

function render(t: Table, fmt: (v: number) => string): string {
  const nl = t.crlf ? '\r\n' : '\n';
  const lines = [t.header.join(','), ...t.rows.map((r) => r.map(fmt).join(','))];
  return lines.join(nl) + (t.finalNewline ? nl : '');
}

/** Characters that never make a different valid number where they land. */
const GARBAGE = ['x', 'a', '"', "'", '#', '_', ';', '\x00', '\x01', '\x7f', '\u00a0', 'é', '\uFFFD', 'N', 'I', '/'];

type Mutation =
  | { kind: 'insert'; at: number; text: string }
  | { kind: 'replace'; at: number; text: string }
  | { kind: 'delete-separator'; at: number }
  | { kind: 'latin1-byte'; at: number; byte: number };

/** Stray characters: any number of them, anywhere. */
const garbage: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom(...GARBAGE) }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), text: fc.constantFrom(...GARBAGE) }),
  fc.record({ kind: fc.constant('latin1-byte' as const), at: fc.nat(), byte: fc.integer({ min: 0x80, max: 0xff }) }),
);

/**
 * One lost or extra separator. Only one: a lost line end and a lost comma
 * together can merge two rows into one valid row (and an extra comma plus a
 * lost one shift a cell boundary), which is a different valid file.
 */
const separator: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), text: fc.constantFrom(',', '\n', ',,', ' ,') }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), text: fc.constant(',') }),
  fc.record({ kind: fc.constant('delete-separator' as const), at: fc.nat() }),
);

const mutations: fc.Arbitrary<Mutation[]> = fc.oneof(fc.array(garbage, { minLength: 1, maxLength: 3 }), separator.map((m) => [m]));

function mutate(b: Buffer, m: Mutation): Buffer {
  const at = m.at % (b.length + 1);
  switch (m.kind) {
    case 'insert':
      return Buffer.concat([b.subarray(0, at), Buffer.from(m.text, 'utf8'), b.subarray(at)]);
    case 'replace': {
      // Only ASCII bytes are replaced, so no multi-byte character is split (that is the latin1-byte case).
      const i = Math.min(at, b.length - 1);
      if (b[i] >= 0x80) return b;
      return Buffer.concat([b.subarray(0, i), Buffer.from(m.text, 'utf8'), b.subarray(i + 1)]);
    }
    case 'delete-separator': {
      // Drop the n-th comma or line end after the header.
      const body = b.indexOf(10);
      const seps: number[] = [];
      for (let i = body + 1; i < b.length; i++) if (b[i] === 44 || b[i] === 10) seps.push(i);
      if (body < 0 || seps.length === 0) return b;
      const i = seps[at % seps.length];
      return Buffer.concat([b.subarray(0, i), b.subarray(i + 1)]);
    }
    case 'latin1-byte':
      return Buffer.concat([b.subarray(0, at), Buffer.from([m.byte]), b.subarray(at)]);
  }
}

async function readNumbers(file: string, columns: readonly string[]): Promise<number[]> {
  const values: number[] = [];
  for await (const b of readDataBlocks([file], { columns: columns.map((name) => ({ name, check: 'finite' as const })), blockRows: 7 }, newReadReport())) {
    values.push(...b.values);
  }
  return values;
}

/** The property: the original numbers, or a named error. Anything else fails the test. */
async function sameOrNamedError(bytes: Buffer, t: Table): Promise<void> {
  const file = join(dir, `case${caseNo++}.csv`);
  writeFileSync(file, bytes);
  const want = t.rows.flat();
  try {
    const got = await readNumbers(file, t.header);
    assert.equal(got.length, want.length, 'a corrupted file read as a different number of values');
    for (let i = 0; i < want.length; i++) {
      if (!Object.is(got[i], want[i]) && !(got[i] === 0 && want[i] === 0)) assert.fail(`value ${i}: read ${got[i]}, written ${want[i]}`);
    }
  } catch (e) {
    if (e instanceof assert.AssertionError) throw e;
    if (!(e instanceof AmpfitError)) throw new Error(`not a named error: ${String((e as Error)?.stack ?? e)}`);
    assert.ok(e.message.length < 2500, `message of ${e.message.length} characters`);
  }
}

test('property: a valid CSV reads back exactly, in every number style', async () => {
  await fc.assert(
    fc.asyncProperty(table, style, async (t, fmt) => {
      const file = join(dir, `valid${caseNo++}.csv`);
      writeFileSync(file, render(t, fmt));
      const got = await readNumbers(file, t.header);
      assert.deepEqual(got, t.rows.flat().map((v) => Number(fmt(v))));
    }),
    { numRuns: FUZZ_RUNS, ...FUZZ_SEED },
  );
});

test('property: a corrupted CSV gives the original numbers or a named error', async () => {
  await fc.assert(
    fc.asyncProperty(table, mutations, async (t, ms) => {
      let bytes: Buffer = Buffer.from(render(t, (v) => String(v)));
      for (const m of ms) bytes = mutate(bytes, m);
      await sameOrNamedError(bytes, t);
    }),
    { numRuns: FUZZ_RUNS, ...FUZZ_SEED },
  );
});

test('property: a cut or bit-flipped CSV.gz gives the original numbers or a named error', async () => {
  await fc.assert(
    fc.asyncProperty(table, fc.nat(), fc.integer({ min: 0, max: 7 }), fc.boolean(), async (t, at, bit, cut) => {
      const gz = gzipSync(Buffer.from(render(t, (v) => String(v))));
      const i = at % gz.length;
      const bytes = Buffer.from(cut ? gz.subarray(0, i) : gz);
      if (!cut) bytes[i] ^= 1 << bit;
      await sameOrNamedError(bytes, t);
    }),
    { numRuns: FUZZ_RUNS, ...FUZZ_SEED },
  );
});

test('property: arbitrary bytes never crash the reader', async () => {
  await fc.assert(
    fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), fc.boolean(), async (raw, gz) => {
      const file = join(dir, `raw${caseNo++}.csv`);
      writeFileSync(file, gz ? gzipSync(raw) : raw);
      try {
        await readNumbers(file, ['x1']);
      } catch (e) {
        if (!(e instanceof AmpfitError)) throw new Error(`not a named error: ${String((e as Error)?.stack ?? e)}`);
      }
    }),
    { numRuns: FUZZ_RUNS, ...FUZZ_SEED },
  );
});
