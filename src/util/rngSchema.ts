import { z } from 'zod';

/** A stored Rng state (src/util/rng.ts RngState), for the zod schemas of checkpoints. */
export const rngStateSchema = z.object({
  s: z.tuple([z.number().int(), z.number().int(), z.number().int(), z.number().int()]),
  spareNormal: z.number().refine(Number.isFinite, 'expected a finite number').nullable(),
});
