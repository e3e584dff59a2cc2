// Stored JSON (checkpoints, model specs) checked with zod like the config, so
// a damaged or hand-edited file fails with the path of its first bad field.

import type { z } from 'zod';
import { ModelFileError } from '../util/errors.js';

/** value checked against schema, or a ModelFileError: `what`, the first bad field's path and zod's message. */
export function parseStored<T>(schema: z.ZodType<T>, value: unknown, what: string): T {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = issue.path.length === 0 ? '' : ` at ${issue.path.join('.')}`;
  throw new ModelFileError(`${what}${path}: ${issue.message}`);
}
