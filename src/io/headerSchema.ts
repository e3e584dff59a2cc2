import { z } from 'zod';
import { ModelFileError } from '../util/errors.js';

// What a model file's JSON header must hold before anything is built from it.
// The checksum only proves the file is what was written; a hand-made or
// hand-edited file with a valid checksum but a missing part used to crash
// deep inside with a TypeError. The parts loadModel, predict, eval, report
// and export read are checked here, each failure named by its key; metrics,
// provenance and the config are kept loose (reports read them defensively,
// and they change more often than the model itself).

const finite = z.number().refine(Number.isFinite, 'must be a finite number');

const TransformSchema = z.looseObject({
  kind: z.string(),
  shift: finite,
  scale: finite,
  unit: finite.optional(),
});

const DomainSchema = z.discriminatedUnion('kind', [
  z.looseObject({ kind: z.literal('unit-cube') }),
  z.looseObject({ kind: z.literal('training-range'), lo: z.array(finite), hi: z.array(finite) }),
]);

export const ModelHeaderSchema = z.looseObject({
  format: z.literal('ampfit-model'),
  regressor: z.looseObject({ type: z.string().min(1) }),
  inputs: z.array(z.string().min(1)).min(1),
  input_domain: DomainSchema.optional(),
  target: z.looseObject({
    column: z.string().min(1),
    born: z.string().min(1).nullable(),
    transform: TransformSchema,
    require_positive: z.boolean(),
  }),
  parameter_count: z.number().int().min(0),
  training: z.looseObject({ best_epoch: z.number(), epochs_run: z.number(), stopped_because: z.string(), seconds: z.number() }),
  metrics: z.looseObject({ validation: z.looseObject({}), test: z.looseObject({}).nullable() }),
  provenance: z.looseObject({}),
  config: z.looseObject({ data: z.looseObject({ momenta: z.unknown() }) }),
}).superRefine((h, ctx) => {
  const dom = h.input_domain;
  if (dom?.kind === 'training-range' && (dom.lo.length !== h.inputs.length || dom.hi.length !== h.inputs.length)) {
    ctx.addIssue({ code: 'custom', path: ['input_domain'], message: `has ${dom.lo.length}/${dom.hi.length} bounds for ${h.inputs.length} inputs` });
  }
});

/** Throws a ModelFileError naming every key of the header that is missing or wrong. */
export function checkModelHeader(header: unknown, path: string): void {
  const r = ModelHeaderSchema.safeParse(header);
  if (r.success) return;
  const issues = r.error.issues.slice(0, 8).map((i) => `${i.path.length > 0 ? i.path.join('.') : '(header)'}: ${i.message}`);
  const more = r.error.issues.length > 8 ? `; and ${r.error.issues.length - 8} more` : '';
  throw new ModelFileError(`model ${path}: the header is incomplete or wrong: ${issues.join('; ')}${more}`);
}
