// Property-based tests run a bounded number of cases in CI (seconds) and many
// more from `npm run fuzz` (AMPFIT_FUZZ_RUNS); a failure prints fast-check's
// seed and shrunk counterexample, which `AMPFIT_FUZZ_SEED=<seed>` replays.

export const FUZZ_RUNS = Number(process.env.AMPFIT_FUZZ_RUNS ?? 120);
const seed = process.env.AMPFIT_FUZZ_SEED;
export const FUZZ_SEED: { seed?: number } = seed === undefined ? {} : { seed: Number(seed) };
