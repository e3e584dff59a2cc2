import { dirname, isAbsolute, resolve } from 'node:path';
import type { z } from 'zod';
import { ConfigError } from '../util/errors.js';
import { RunConfigSchema, finishConfig, type RunConfig } from './schema.js';
import { checkKeysApply, KEY_MODEL_TYPES } from './applicability.js';
import { readJsonFile } from './json.js';
import { NO_EQUIVALENT, resolveAliases } from './aliases.js';

/** A JSON object as read from a file, before validation. */
export type RawConfig = Record<string, unknown>;

export function readConfigFile(path: string): RawConfig {
  const value = readJsonFile(path, 'config');
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigError(`config ${path} must hold a JSON object`);
  }
  const raw = value as RawConfig;
  rebaseDataPaths(raw, dirname(resolve(path)));
  return raw;
}

/** Data paths in a config file are relative to that file, so a config works from any directory. Mutates raw. */
export function rebaseDataPaths(raw: RawConfig, base: string): void {
  const data = raw.data;
  if (typeof data !== 'object' || data === null) return;
  const d = data as Record<string, unknown>;
  if (d.files === undefined) return;
  const fix = (p: unknown): unknown => (typeof p === 'string' && !isAbsolute(p) ? resolve(base, p) : p);
  if (Array.isArray(d.files)) d.files = d.files.map(fix);
  else d.files = fix(d.files);
}

/**
 * Applies `key=value` overrides (dotted keys reach into objects, e.g.
 * data.max_rows=1000). Values are parsed as JSON when they parse, else kept as
 * strings, so `width=36` is a number and `activation=gelu` a string.
 */
export function applyOverrides(raw: RawConfig, overrides: readonly string[]): RawConfig {
  const out = structuredClone(raw);
  for (const o of overrides) {
    const eq = o.indexOf('=');
    if (eq <= 0) throw new ConfigError(`override '${o}' must look like key=value`);
    const path = o.slice(0, eq).split('.');
    const text = o.slice(eq + 1);
    let value: unknown = text;
    try {
      value = JSON.parse(text);
    } catch {
      // not JSON: a plain string
    }
    let node: Record<string, unknown> = out;
    for (const key of path.slice(0, -1)) {
      const next = node[key];
      if (typeof next !== 'object' || next === null || Array.isArray(next)) node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    node[path[path.length - 1]] = value;
  }
  return out;
}

export function validateConfig(given: RawConfig, source: string): RunConfig {
  const raw = resolveAliases(given, defaultsFor(given));
  const result = RunConfigSchema.safeParse(raw);
  if (!result.success) throw new ConfigError(formatIssues(result.error, source));
  checkKeysApply(raw, defaultsFor(raw), source);
  return finishConfig(result.data);
}

/**
 * Every key's default for this config: the model-type keys resolved without
 * the user's values, so they follow its recipe, budget and data (a saved
 * paper1 bdt config holds activation 'leaky_relu', an ampfit one 'silu').
 */
function defaultsFor(raw: RawConfig): Record<string, unknown> {
  const bare = Object.fromEntries(Object.entries(raw).filter(([k]) => !(k in KEY_MODEL_TYPES)));
  const parsed = RunConfigSchema.safeParse(bare);
  const base = parsed.success ? parsed.data : RunConfigSchema.parse({ data: { files: 'x', target: 'y' } });
  return finishConfig(base) as unknown as Record<string, unknown>;
}

/** Reads, overrides and validates in one go. */
export function loadConfig(path: string, overrides: readonly string[] = []): RunConfig {
  return validateConfig(applyOverrides(readConfigFile(path), overrides), path);
}

function formatIssues(error: z.ZodError, source: string): string {
  const lines = error.issues.map((issue) => {
    const where = issue.path.length > 0 ? issue.path.join('.') : '(top level)';
    if (issue.code === 'unrecognized_keys') {
      const known = knownKeys(issue.path.map(String));
      return issue.keys
        .map((k) => {
          const full = [...issue.path, k].join('.');
          const instead = issue.path.length === 0 ? NO_EQUIVALENT[k] : undefined;
          if (instead !== undefined) return `  ${full}: unknown key (${instead})`;
          const near = closest(k, known);
          return `  ${full}: unknown key${near === null ? '' : ` (did you mean '${near}'?)`}`;
        })
        .join('\n');
    }
    return `  ${where}: ${issue.message}`;
  });
  return `invalid config ${source}:\n${lines.join('\n')}`;
}

function knownKeys(path: readonly string[]): string[] {
  let shape: Record<string, unknown> = RunConfigSchema.shape;
  for (const key of path) {
    const child = shape[key] as { shape?: Record<string, unknown>; unwrap?: () => unknown } | undefined;
    const inner = child?.shape ?? (child?.unwrap?.() as { shape?: Record<string, unknown> } | undefined)?.shape;
    if (inner === undefined) return [];
    shape = inner;
  }
  return Object.keys(shape);
}

function closest(word: string, candidates: readonly string[]): string | null {
  let best: string | null = null;
  let bestD = Infinity;
  for (const c of candidates) {
    const d = editDistance(word.toLowerCase(), c.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = c;
    }
  }
  return bestD <= Math.max(2, Math.floor(word.length / 3)) ? best : null;
}

function editDistance(a: string, b: string): number {
  const prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = prev[0];
    prev[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = prev[j];
      prev[j] = Math.min(prev[j] + 1, prev[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return prev[b.length];
}
