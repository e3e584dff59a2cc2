import { accessSync, closeSync, constants, createWriteStream, fsyncSync, lstatSync, openSync, realpathSync, renameSync, statSync, unlinkSync, writeSync, type WriteStream } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Writable } from 'node:stream';
import { AmpfitError } from '../util/errors.js';
import { writeFileAtomic } from './atomic.js';

// Where a command's output goes, decided and checked before any work starts,
// the same way for every verb:
//   '-'                       standard output
//   a device, pipe or socket  written in place (/dev/stdout, /dev/null, a FIFO):
//                             never renamed over, which would replace the device
//                             link with a regular file
//   anything else             a regular file, written atomically (temporary file
//                             beside it, then rename); an existing one is replaced
//                             only with --force, a directory never; through a
//                             symbolic link, the file it points to is replaced
// A missing parent folder, or one that cannot be written, is an error now, not
// after an hour of predictions.

export type OutputTarget =
  | { readonly kind: 'stdout'; readonly shown: string }
  | { readonly kind: 'device'; readonly path: string; readonly shown: string }
  | { readonly kind: 'file'; readonly path: string; readonly shown: string };

export interface OutputCheck {
  /** The option that named the path, for messages ("--output"). */
  readonly flag: string;
  /** Replace an existing file. */
  readonly force: boolean;
  /** Accept '-' for standard output (not for binary formats a terminal should not get, or multi-file outputs). */
  readonly allowStdout?: boolean;
}

export function checkOutputPath(path: string, opts: OutputCheck): OutputTarget {
  const { flag } = opts;
  if (path === '-') {
    if (opts.allowStdout === false) throw new AmpfitError(`${flag} -: this output cannot go to standard output; name a file`);
    return { kind: 'stdout', shown: 'standard output' };
  }
  if (path === '') throw new AmpfitError(`${flag} needs a path`);
  const abs = resolve(path);
  // Opening /dev/stdout fails when standard output is a socket, and would truncate a file it was redirected to.
  if (STDOUT_ALIASES.has(abs)) return { kind: 'stdout', shown: path };
  if (isSpecialPath(abs)) return { kind: 'device', path, shown: path };
  let st;
  try {
    st = statSync(abs);
  } catch {
    st = null;
  }
  if (st !== null) {
    if (st.isDirectory()) throw new AmpfitError(`${flag} ${path} is a directory; name a file to write`);
    if (!st.isFile()) return { kind: 'device', path, shown: path };
    if (!opts.force) throw new AmpfitError(`${flag} ${path} already exists; add --force to replace it`);
    // Replace what a link points to, not the link.
    const real = realpathSync(abs);
    checkWritableFolder(dirname(real), flag, path);
    return { kind: 'file', path: real, shown: path };
  }
  if (isDanglingLink(abs)) throw new AmpfitError(`${flag} ${path} is a symbolic link to a file that does not exist`);
  checkWritableFolder(dirname(abs), flag, path);
  return { kind: 'file', path: abs, shown: path };
}

const STDOUT_ALIASES = new Set(['/dev/stdout', '/dev/fd/1', '/proc/self/fd/1', `/proc/${process.pid}/fd/1`]);

/** Paths under /dev and /proc are devices and kernel files even when a link leads to a regular file (/dev/stdout > file). */
function isSpecialPath(abs: string): boolean {
  return abs.startsWith('/dev/') || abs.startsWith('/proc/');
}

function isDanglingLink(abs: string): boolean {
  try {
    return lstatSync(abs).isSymbolicLink();
  } catch {
    return false;
  }
}

function checkWritableFolder(folder: string, flag: string, path: string): void {
  let st;
  try {
    st = statSync(folder);
  } catch {
    throw new AmpfitError(`${flag} ${path}: the folder ${folder} does not exist; create it first`);
  }
  if (!st.isDirectory()) throw new AmpfitError(`${flag} ${path}: ${folder} is not a folder`);
  try {
    accessSync(folder, constants.W_OK);
  } catch {
    throw new AmpfitError(`${flag} ${path}: the folder ${folder} is not writable`);
  }
}

/** Writes a whole output at once (JSON, ONNX, reports). */
export function writeOutput(target: OutputTarget, data: string | Uint8Array): void {
  switch (target.kind) {
    case 'stdout':
      writeAllSync(1, data);
      return;
    case 'device': {
      const fd = openSync(target.path, 'w');
      try {
        writeAllSync(fd, data);
      } finally {
        closeSync(fd);
      }
      return;
    }
    case 'file':
      writeFileAtomic(target.path, data);
  }
}

function writeAllSync(fd: number, data: string | Uint8Array): void {
  const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  let off = 0;
  while (off < bytes.length) off += writeSync(fd, bytes, off, bytes.length - off);
}

/** A streamed output: appears under its name only on commit(); abort() (also on a signal) leaves nothing behind. */
export interface OutputStream {
  readonly stream: Writable;
  /** The first write error (no space left, a closed pipe), as an error to throw. */
  failure(): Error | null;
  commit(): Promise<void>;
  /** Synchronous, so a signal handler can call it. */
  abort(): void;
}

export function openOutputStream(target: OutputTarget): OutputStream {
  if (target.kind === 'stdout') {
    return {
      stream: process.stdout,
      failure: () => null,
      commit: () => new Promise<void>((res) => {
        process.stdout.write('', () => res());
      }),
      abort: () => undefined,
    };
  }
  if (target.kind === 'device') {
    let fd: number;
    try {
      fd = openSync(target.path, 'w');
    } catch (e) {
      throw new AmpfitError(`cannot write ${target.path}: ${(e as Error).message}`);
    }
    const out = createWriteStream('', { fd });
    const failed = watchErrors(out, target.shown);
    return { stream: out, failure: failed, commit: () => finish(out, failed), abort: () => out.destroy() };
  }
  const tmp = join(dirname(target.path), `.${basename(target.path)}.${process.pid}.${Date.now()}.tmp`);
  let fd: number;
  try {
    fd = openSync(tmp, 'wx');
  } catch (e) {
    throw new AmpfitError(`cannot write into ${dirname(target.path)}: ${(e as Error).message}`);
  }
  const out = createWriteStream('', { fd });
  const failed = watchErrors(out, target.shown);
  let done = false;
  const abort = (): void => {
    if (done) return;
    done = true;
    process.off('exit', abort);
    out.destroy();
    try {
      unlinkSync(tmp);
    } catch {
      // never created, or already gone
    }
  };
  // An exit in the middle (process.exit from a signal handler) must not leave a multi-MB hidden file.
  process.on('exit', abort);
  return {
    stream: out,
    failure: failed,
    async commit() {
      await finish(out, failed);
      const fd = openSync(tmp, 'r');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, target.path);
      done = true;
      process.off('exit', abort);
    },
    abort,
  };
}

/** Keeps a stream's first error (instead of an unhandled 'error' event, which would crash with a stack). */
function watchErrors(out: WriteStream, shown: string): () => Error | null {
  let failure: Error | null = null;
  out.on('error', (e) => {
    failure ??= new AmpfitError(`cannot write ${shown}: ${e.message}`);
  });
  return () => failure;
}

function finish(out: WriteStream, failed: () => Error | null): Promise<void> {
  return new Promise<void>((res, rej) => {
    const f = failed();
    if (f !== null) return rej(f);
    out.end(() => {
      const g = failed();
      if (g !== null) rej(g);
      else res();
    });
  });
}
