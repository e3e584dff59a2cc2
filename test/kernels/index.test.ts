// Backend selection (src/kernels/index.ts).

import assert from 'node:assert/strict';
import { test } from 'node:test';

import { getKernels, type KernelPreference, nativeAvailable, nativeInfo, nativeLoadError, reference } from '../../src/kernels/index.js';
import { NATIVE_TEST } from './support.js';

test('the native addon is built and loads (set AMPFIT_NO_NATIVE=1 to build without it)', NATIVE_TEST, () => {
  assert.equal(nativeAvailable(), true, `native kernels unavailable: ${nativeLoadError()}`);
  assert.equal(nativeLoadError(), null);
  assert.match(nativeInfo() ?? '', /^simd=\w+ vector=\d+ tile=\d+x\d+$/);
  assert.equal(getKernels('native').backend, 'native');
});

test('getKernels picks the requested backend', () => {
  assert.equal(getKernels('typescript'), reference);
  assert.equal(getKernels('typescript').backend, 'typescript');
  assert.equal(getKernels('auto').backend, nativeAvailable() ? 'native' : 'typescript');
  assert.equal(getKernels().backend, getKernels('auto').backend);
  if (!nativeAvailable()) assert.throws(() => getKernels('native'), /native kernels requested but unavailable/);
  assert.throws(() => getKernels('gpu' as unknown as KernelPreference), TypeError);
});

test('the reference reports one thread and validates setThreads', () => {
  assert.equal(reference.threads(), 1);
  reference.setThreads(4);
  assert.equal(reference.threads(), 1);
  assert.throws(() => reference.setThreads(0), RangeError);
  assert.throws(() => reference.setThreads(2.5), RangeError);
});
