// Physical names for input coordinates, for the report's axes:
// "coordinates": {"x1": {"label": "√ŝ [GeV]", "map": "182.3752 + x1*(1000 - 182.3752)"}}.
// `map` is an expression (src/config/expression.ts) of the coordinate and
// possibly of other inputs (zz4d's √ŝ depends on both masses); the report
// bins and labels the mapped value. Training ignores the key.

import { z } from 'zod';
import { ConfigError } from '../util/errors.js';
import { ExpressionError, evaluate, expressionNames, parseExpression, type Expr } from './expression.js';

export const CoordinateSchema = z.strictObject({
  /** Axis title, e.g. "√ŝ [GeV]" or "cos θ*". */
  label: z.string().min(1),
  /** The physical value as an expression of the inputs; null: the input itself. */
  map: z
    .string()
    .min(1)
    .nullable()
    .default(null)
    .superRefine((src, ctx) => {
      if (src === null) return;
      const problem = parseProblem(src);
      if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
    }),
});

/** Coordinate name → label and map; key order is the report's order. */
export const CoordinatesSchema = z.record(z.string().min(1), CoordinateSchema).default({});

export type CoordinatesConfig = z.output<typeof CoordinatesSchema>;

function parseProblem(src: string): string | null {
  try {
    parseExpression(src);
    return null;
  } catch (e) {
    if (!(e instanceof ExpressionError)) throw e;
    return `cannot read map '${src}' at character ${e.position + 1}: ${e.message}`;
  }
}

/** Problems of the coordinate names and the names their maps read, against the known input names, each with its config path. */
export function coordinateNameProblems(coords: CoordinatesConfig, known: (name: string) => boolean, knownWords: string): { path: string[]; message: string }[] {
  const out: { path: string[]; message: string }[] = [];
  for (const [name, c] of Object.entries(coords)) {
    if (!known(name)) {
      out.push({ path: ['coordinates', name], message: `unknown coordinate '${name}': not an input (${knownWords})` });
      continue;
    }
    if (c.map === null || parseProblem(c.map) !== null) continue;
    const used = expressionNames(parseExpression(c.map));
    if (!used.includes(name)) out.push({ path: ['coordinates', name, 'map'], message: `the map of '${name}' does not read '${name}' ('${c.map}')` });
    for (const u of used) if (!known(u)) out.push({ path: ['coordinates', name, 'map'], message: `map '${c.map}' reads '${u}', which is not an input (${knownWords})` });
  }
  return out;
}

/** A coordinate ready to evaluate on rows of the model's inputs. */
export interface ResolvedCoordinate {
  readonly name: string;
  readonly label: string;
  /** The map's text, null for the input itself. */
  readonly map: string | null;
  /** The physical value at row i of x (n × inputs.length, row-major). */
  readonly column: (x: Float64Array, n: number) => Float64Array;
}

/**
 * The coordinates over a model's inputs: every input, named ones with their
 * label and map. Names the config lists that the inputs lack are a
 * ConfigError naming the key (the config was checked against the data at
 * training time; a different --data file set can still disagree).
 */
export function resolveCoordinates(coords: CoordinatesConfig, inputs: readonly string[], source: string): ResolvedCoordinate[] {
  const problems = coordinateNameProblems(coords, (n) => inputs.includes(n), `inputs: ${inputs.join(', ')}`);
  if (problems.length > 0) throw new ConfigError(`invalid config ${source}:\n${problems.map((p) => `  ${p.path.join('.')}: ${p.message}`).join('\n')}`);
  const d = inputs.length;
  return inputs.map((name, j): ResolvedCoordinate => {
    const c = coords[name];
    if (c === undefined || c.map === null) {
      return { name, label: c?.label ?? name, map: null, column: (x, n) => Float64Array.from({ length: n }, (_, i) => x[i * d + j]) };
    }
    const tree: Expr = parseExpression(c.map);
    const index = new Map(inputs.map((v, k) => [v, k]));
    return {
      name,
      label: c.label,
      map: c.map,
      column: (x, n) => {
        const out = new Float64Array(n);
        for (let i = 0; i < n; i++) out[i] = evaluate(tree, (v) => x[i * d + index.get(v)!]);
        return out;
      },
    };
  });
}
