// Log lines go to stderr so that stdout stays clean for tables and data.
// On a terminal, progress redraws one status line; otherwise every update is
// a plain, timestamped line (what a batch system's log file wants).

export interface Logger {
  /** A permanent line. */
  info(msg: string): void;
  warn(msg: string): void;
  /** A progress update: redrawn in place on a terminal, a plain line otherwise. */
  progress(msg: string): void;
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
        stream.write(`\r\x1b[2K${fitLine(msg, (stream.columns ?? 120) - 1)}`);
        statusShown = true;
      } else {
        stream.write(`${stamp()} ${msg}\n`);
      }
    },
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
  };
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
