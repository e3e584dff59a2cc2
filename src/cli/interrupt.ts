import { signalExitCode } from './exitCodes.js';

/**
 * For commands that write one output and have nothing worth keeping when
 * stopped half-way (predict, export): on SIGINT/SIGTERM run cleanup (remove
 * temporary files), say so, and exit 130/143. Returns the uninstaller.
 */
export function onInterrupt(cleanup: () => void, what: string): () => void {
  const handler = (signal: NodeJS.Signals): void => {
    cleanup();
    process.stderr.write(`ampfit: interrupted by ${signal}; ${what}\n`);
    process.exit(signalExitCode(signal));
  };
  process.once('SIGINT', handler);
  process.once('SIGTERM', handler);
  return () => {
    process.off('SIGINT', handler);
    process.off('SIGTERM', handler);
  };
}
