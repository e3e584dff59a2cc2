// How busy other processes keep this machine during a measurement, for the
// benches that compare ampfit with a peer on the shared 2-core VM: CPU seconds
// of the whole machine (Linux /proc/stat) minus this process's own.

import { readFileSync } from 'node:fs';

/** Other processes keeping less than this many CPUs busy count as a quiet machine. */
export const FOREIGN_LIMIT = 0.15;

/** CPU seconds all processes on the machine have spent busy, or null off Linux. */
export function machineBusyS(): number | null {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n', 1)[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = f[3] + (f[4] ?? 0);
    const guest = (f[8] ?? 0) + (f[9] ?? 0); // already counted in user/nice
    return (f.reduce((a, b) => a + b, 0) - idle - guest) / 100; // USER_HZ is 100 on Linux
  } catch {
    return null;
  }
}

/** CPU seconds of this process and its waited-for children (a Python peer), or null off Linux. */
export function ownCpuS(): number | null {
  try {
    // Fields after the command's closing parenthesis: utime, stime, cutime, cstime are 12..15 there.
    const rest = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ').map(Number);
    return (rest[11] + rest[12] + rest[13] + rest[14]) / 100;
  } catch {
    return null;
  }
}

/** A reading to pass to foreignCpusSince later. */
export interface LoadMark {
  readonly busy: number | null;
  readonly own: number | null;
  readonly t: number;
}

export function loadMark(): LoadMark {
  return { busy: machineBusyS(), own: ownCpuS(), t: performance.now() };
}

/** CPUs other processes kept busy on average since the mark (null: unknown). */
export function foreignCpusSince(m: LoadMark): number | null {
  const now = loadMark();
  const wall = (now.t - m.t) / 1000;
  if (m.busy === null || now.busy === null || m.own === null || now.own === null || wall <= 0) return null;
  return Math.max(0, now.busy - m.busy - (now.own - m.own)) / wall;
}

/** Runs fn and says how many CPUs other processes kept busy meanwhile. */
export function withLoad<T>(fn: () => T): { result: T; foreignCpus: number | null } {
  const m = loadMark();
  const result = fn();
  return { result, foreignCpus: foreignCpusSince(m) };
}

/**
 * Waits (up to maxS seconds, checking once a second while idle) until other
 * processes use less than FOREIGN_LIMIT of a CPU; returns the last reading.
 */
export async function waitForQuiet(maxS: number): Promise<number | null> {
  const t0 = performance.now();
  for (;;) {
    const m = loadMark();
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const foreign = foreignCpusSince(m);
    if (foreign === null || foreign <= FOREIGN_LIMIT || (performance.now() - t0) / 1000 >= maxS) return foreign;
  }
}
