import type { Logger } from '../util/log.js';
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

/**
 * For training commands, which keep the best model so far: the first
 * SIGINT/SIGTERM aborts the returned signal (its reason is the signal's
 * name), so training stops at the next safe point; a second one exits at
 * once. Returns the signal and the uninstaller.
 */
export function gracefulInterrupt(log: Logger): { signal: AbortSignal; uninstall: () => void } {
  const controller = new AbortController();
  const handler = (signal: NodeJS.Signals): void => {
    if (controller.signal.aborted) process.exit(signalExitCode(signal));
    // Two short lines: with the timestamp and 'warning: ' each fits 80 columns.
    log.warn('interrupted: stopping at the next safe point');
    log.info('  keeping the best model so far (Ctrl-C again quits at once)');
    controller.abort(signal);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    signal: controller.signal,
    uninstall: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
