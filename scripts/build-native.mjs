#!/usr/bin/env node
// Builds the optional native kernels (native/) into build/Release/ampfit_native.node,
// and libampfit (native/runtime/) into native/runtime/build/.
//
// Runs as npm's "install" script, so it must never fail the install: the
// TypeScript kernels work everywhere, the addon only makes them fast. Any
// failure prints one warning line (full compiler output goes to
// build/native-build.log) and exits 0. Nothing is downloaded: node-gyp is the
// copy bundled with npm and the headers are the installed Node's own.
//
// Environment:
//   AMPFIT_NO_NATIVE=1         skip the build
//   AMPFIT_NATIVE_MARCH=<cpu>  -march value instead of "native"
//   AMPFIT_NATIVE_VERBOSE=1    show the compiler output
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const nativeDir = path.join(root, 'native');
const outDir = path.join(root, 'build', 'Release');
const outFile = path.join(outDir, 'ampfit_native.node');
const logFile = path.join(root, 'build', 'native-build.log');
const verbose = process.env.AMPFIT_NATIVE_VERBOSE === '1';

// libampfit (native/runtime/, the C library that evaluates model files
// without Node) is built first and apart: the addon's warn() below exits,
// and a failure here only warns too (the TypeScript package does not need it).
function buildRuntime() {
  if (process.env.AMPFIT_NO_NATIVE === '1') return;
  const r = spawnSync('make', ['-C', path.join(nativeDir, 'runtime')], { encoding: 'utf8' });
  if (r.status !== 0) {
    const why = r.error !== undefined ? r.error.message : (r.stderr || r.stdout).trim().split('\n').slice(-1)[0];
    console.warn(`ampfit: libampfit (native/runtime) not built (${why});\n  run \`make -C native/runtime\` to see why.`);
  } else if (verbose) {
    process.stdout.write(r.stdout);
  }
}
buildRuntime();

function warn(reason) {
  console.warn(`ampfit: native kernels not built (${reason});\n  the slower TypeScript kernels will be used.`);
  process.exit(0);
}

function findNodeGyp() {
  const candidates = [];
  if (process.env.npm_config_node_gyp) candidates.push(process.env.npm_config_node_gyp);
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  candidates.push(
    path.join(prefix, 'lib', 'node_modules', 'npm', 'node_modules', 'node-gyp', 'bin', 'node-gyp.js'),
    '/usr/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
    '/usr/local/lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js',
  );
  try {
    candidates.push(createRequire(import.meta.url).resolve('node-gyp/bin/node-gyp.js'));
  } catch {
    // not installed locally; fine
  }
  return candidates.find((p) => existsSync(p)) ?? null;
}

// node-gyp downloads headers unless told where they are; the installed Node
// ships them under <prefix>/include/node.
function findNodeDir() {
  const configured = process.env.npm_config_nodedir;
  if (configured && existsSync(path.join(configured, 'include', 'node', 'node_api.h'))) return configured;
  const prefix = path.resolve(path.dirname(process.execPath), '..');
  if (existsSync(path.join(prefix, 'include', 'node', 'node_api.h'))) return prefix;
  return null;
}

// Whatever happens below, an addon from an earlier build must not survive: it
// may not match the current sources. Unlinking (never rewriting in place)
// keeps processes that have the old file loaded safe.
rmSync(outFile, { force: true });

if (process.env.AMPFIT_NO_NATIVE === '1') {
  console.warn('ampfit: AMPFIT_NO_NATIVE=1, skipping the native kernels;\n  the TypeScript kernels will be used.');
  process.exit(0);
}

const gyp = findNodeGyp();
if (!gyp) warn('node-gyp not found');
const nodedir = findNodeDir();
if (!nodedir) warn(`Node headers (node_api.h) not found under ${path.resolve(path.dirname(process.execPath), '..')}`);

const march = process.env.AMPFIT_NATIVE_MARCH ?? 'native';
if (!/^[A-Za-z0-9_.+-]+$/.test(march)) warn(`invalid AMPFIT_NATIVE_MARCH=${march}`);

const args = [
  gyp, 'rebuild', '--release', `--nodedir=${nodedir}`, `--directory=${nativeDir}`,
  `--jobs=${Math.max(1, Math.min(4, (await import('node:os')).availableParallelism()))}`,
  '--', `-Dampfit_march=${march}`,
];
const env = { ...process.env, npm_config_nodedir: nodedir };
const res = spawnSync(process.execPath, args, { cwd: nativeDir, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
const output = `$ node ${args.join(' ')}\n${res.stdout ?? ''}${res.stderr ?? ''}${res.error ? String(res.error) : ''}`;
mkdirSync(path.dirname(logFile), { recursive: true });
writeFileSync(logFile, output);
if (verbose) process.stderr.write(output);

const built = path.join(nativeDir, 'build', 'Release', 'ampfit_native.node');
if (res.status !== 0 || !existsSync(built)) {
  warn(`node-gyp failed with ${res.error ? res.error.message : `exit code ${res.status}`}; see ${path.relative(process.cwd(), logFile)}`);
}
mkdirSync(outDir, { recursive: true });
const tmpFile = `${outFile}.${process.pid}.tmp`;
copyFileSync(built, tmpFile);
renameSync(tmpFile, outFile);

// A library that compiles but cannot load (wrong ABI, missing symbol) must not
// be left behind pretending to work.
try {
  const addon = createRequire(import.meta.url)(outFile);
  if (typeof addon.gemm !== 'function') throw new Error('gemm missing from the addon');
  // Two lines, so that npm ci's output reads at 80 columns.
  console.log(`ampfit: native kernels built (${addon.info()})\n  -> ${path.relative(process.cwd(), outFile) || outFile}`);
} catch (e) {
  rmSync(outFile, { force: true });
  warn(`the built addon does not load: ${e instanceof Error ? e.message : String(e)}`);
}
