// The exit statuses of the ampfit command, documented in the README
// (Reliability). Shells report a process killed by signal N as 128 + N; a run
// that caught the signal, saved its state and stopped exits the same way, so
// a script cannot mistake it for a finished one.

export const EXIT = {
  /** The command did all it was asked. */
  ok: 0,
  /** It ran to the end with a negative verdict (ampfit symmetry check: a map is violated). */
  verdict: 1,
  /** Bad usage, config, data, model file or output path: the message says which; nothing was written. */
  error: 2,
  /** A bug in ampfit (the stack trace is printed); please report it. */
  internal: 70,
  /** Standard output closed under us (a pipe into head), as a tool killed by SIGPIPE would report. */
  sigpipe: 141,
  sigint: 130,
  sigterm: 143,
} as const;

export function signalExitCode(signal: NodeJS.Signals): number {
  return signal === 'SIGTERM' ? EXIT.sigterm : signal === 'SIGHUP' ? 129 : EXIT.sigint;
}
