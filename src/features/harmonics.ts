// The harmonic basis is numerics over typed arrays, so it lives with the
// kernels (src/kernels/harmonics.ts), whose angular-head kernel evaluates it
// below the features layer; the decay physics that chooses it stays here.
export * from '../kernels/harmonics.js';
