// Log lines go to stderr so that stdout stays clean for tables and data.
// On a terminal, progress (one line per epoch or round) redraws a status line
// and keeps one of them as a permanent line every KEEP_S seconds, so the run
// leaves a history above the live line; status updates within an epoch move
// the live line only. Elsewhere every progress update is a plain,
// timestamped line (what a batch system's log file wants) and status updates
// are dropped. teeLogger copies the permanent lines into a file.

import { appendFileSync } from 'node:fs';

/** On a terminal, a progress line stays on screen when this long has passed since the last one that did. */
const KEEP_S = 10;

export interface Logger {
  /** A permanent line. */
  info(msg: string): void;
  warn(msg: string): void;
  /** A progress update (an epoch, a boosting round): the live line on a terminal, kept every KEEP_S seconds; a plain line otherwise. */
  progress(msg: string): void;
  /** The live line within an epoch, on a terminal only. */
  status(msg: string): void;
}

export function createLogger(stream: NodeJS.WriteStream = process.stderr, quiet = false): Logger {
  const tty = stream.isTTY === true && process.env.CI !== 'true';
  let statusShown = false;
  const clear = (): void => {
    if (statusShown) {
      stream.write('\r\x1b[2K');
      statusShown = false;
    }
  };
  const stamp = (): string => new Date().toISOString().slice(11, 19);
  let lastKept = -Infinity;
  // A pseudo-terminal without a window size (script, ssh without a tty size, some CI runners) reports 0 columns: assume 80.
  const width = (): number => (stream.columns !== undefined && stream.columns > 0 ? stream.columns : 80) - 1;
  const redraw = (msg: string, keep: boolean): void => {
    stream.write(`\r\x1b[2K${fitLine(msg, width())}${keep ? '\n' : ''}`);
    statusShown = !keep;
  };
  return {
    info(msg) {
      if (quiet) return;
      clear();
      stream.write(tty ? `${msg}\n` : `${stamp()} ${msg}\n`);
    },
    warn(msg) {
      clear();
      stream.write(tty ? `warning: ${msg}\n` : `${stamp()} warning: ${msg}\n`);
    },
    progress(msg) {
      if (quiet) return;
      if (tty) {
        const now = performance.now() / 1000;
        const keep = now - lastKept >= KEEP_S;
        if (keep) lastKept = now;
        redraw(keep ? `${stamp()} ${msg}` : msg, keep);
      } else {
        stream.write(`${stamp()} ${msg}\n`);
      }
    },
    status(msg) {
      if (!quiet && tty) redraw(msg, false);
    },
  };
}

/**
 * log, with its info, warn and progress lines also appended to `path`
 * (timestamped, one per line): the run's full history, whatever the terminal
 * kept. The file is opened per line, so a run stopped at any point leaves a
 * complete file.
 */
export function teeLogger(log: Logger, path: string): Logger {
  const write = (line: string): void => {
    appendFileSync(path, `${new Date().toISOString()} ${line}\n`);
  };
  return {
    info: (m) => {
      log.info(m);
      write(m);
    },
    warn: (m) => {
      log.warn(m);
      write(`warning: ${m}`);
    },
    progress: (m) => {
      log.progress(m);
      write(m);
    },
    status: (m) => log.status(m),
  };
}

/**
 * A status line fitted to the terminal's width. It must not wrap (a wrapped
 * line cannot be redrawn in place), but cutting its end off would lose the
 * ETA, which progress lines put last. So fields (separated by two spaces) are
 * first joined by one space, then dropped from the right, the last one
 * excepted, until the line fits; only then is it cut.
 */
export function fitLine(msg: string, width: number): string {
  if (msg.length <= width) return msg;
  const fields = msg.split(/ {2,}/);
  const last = fields.pop() ?? '';
  while (fields.length > 1 && [...fields, last].join(' ').length > width) fields.pop();
  const line = [...fields, last].join(' ');
  return line.length > width ? line.slice(0, width) : line;
}

/** A logger that records lines, for tests. */
export function memoryLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    info: (m) => void lines.push(m),
    warn: (m) => void lines.push(`warning: ${m}`),
    progress: (m) => void lines.push(m),
    status: () => undefined,
  };
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
