// h5wasm's WebAssembly module (the HDF5 C library), compiled once per process
// and only when an HDF5 file is read or written.

export type H5 = typeof import('h5wasm/node');

let module: Promise<H5> | null = null;

export function h5wasm(): Promise<H5> {
  module ??= import('h5wasm/node').then(async (m) => {
    await m.ready;
    return m;
  });
  return module;
}
