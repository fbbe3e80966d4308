import type { StandardSchemaV1 } from '@standard-schema/spec';
import { closest, distance } from 'fastest-levenshtein';
import type { Issue } from './errors.js';

/** Dotted key path: `a.b[2].c`. */
export function formatPath(path: ReadonlyArray<PropertyKey | StandardSchemaV1.PathSegment>): string {
  let out = '';
  for (const segment of path) {
    const key = typeof segment === 'object' ? segment.key : segment;
    if (typeof key === 'number') out += `[${key}]`;
    else out += out === '' ? String(key) : `.${String(key)}`;
  }
  return out;
}

export function joinPath(prefix: string, path: string): string {
  if (!prefix) return path;
  if (!path) return prefix;
  return path.startsWith('[') ? `${prefix}${path}` : `${prefix}.${path}`;
}

/** The closest known name to a misspelt one, if it is close enough to be a likely typo. */
export function suggestKey(unknown: string, known: readonly string[]): string | undefined {
  if (known.length === 0) return undefined;
  const normalise = (s: string) => s.toLowerCase().replace(/[-_]/g, '');
  const byNormalised = known.find((k) => normalise(k) === normalise(unknown));
  if (byNormalised) return byNormalised;
  const best = closest(
    unknown.toUpperCase(),
    known.map((k) => k.toUpperCase()),
  );
  const match = known.find((k) => k.toUpperCase() === best);
  if (match === undefined) return undefined;
  return distance(unknown.toUpperCase(), best) <= Math.max(2, Math.floor(unknown.length / 3))
    ? match
    : undefined;
}

/** Keys an object schema accepts at `path`, found by walking zod-like `.shape` and record value types. */
function knownKeysAt(schema: unknown, path: ReadonlyArray<PropertyKey>): string[] {
  let node = schema as Record<string, unknown> | undefined;
  for (const key of path) {
    node = unwrap(node);
    const shape = node?.shape as Record<string, unknown> | undefined;
    if (shape && typeof key === 'string' && key in shape) node = shape[key] as Record<string, unknown>;
    else if (isRecordSchema(node)) node = recordValue(node);
    else return [];
  }
  node = unwrap(node);
  const shape = node?.shape as Record<string, unknown> | undefined;
  return shape ? Object.keys(shape) : [];
}

function unwrap(node: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  let current = node;
  for (let i = 0; i < 5 && current && typeof current.unwrap === 'function' && !current.shape; i++) {
    current = (current.unwrap as () => Record<string, unknown>)();
  }
  return current;
}

function isRecordSchema(node: Record<string, unknown> | undefined): boolean {
  const def = (node?._zod as { def?: { type?: string } } | undefined)?.def;
  return def?.type === 'record';
}

function recordValue(node: Record<string, unknown> | undefined): Record<string, unknown> | undefined {
  return (node?._zod as { def?: { valueType?: Record<string, unknown> } } | undefined)?.def?.valueType;
}

/**
 * Turn Standard Schema issues into ours: one per problem, with its key path, and for an unknown
 * key the likely intended one. Values are never echoed (they may be secrets).
 */
export function toIssues(
  schema: unknown,
  issues: ReadonlyArray<StandardSchemaV1.Issue>,
  prefix = '',
): Issue[] {
  const out: Issue[] = [];
  for (const issue of issues) {
    const rawPath = (issue.path ?? []).map((segment) =>
      typeof segment === 'object' ? segment.key : segment,
    );
    const path = formatPath(rawPath);
    const keys = (issue as { keys?: unknown }).keys;
    const code = (issue as { code?: unknown }).code;
    if (code === 'unrecognized_keys' && Array.isArray(keys)) {
      const known = knownKeysAt(schema, rawPath);
      for (const key of keys as string[]) {
        const suggestion = suggestKey(key, known);
        const hint = suggestion
          ? `; did you mean "${suggestion}"?`
          : known.length > 0
            ? `; known keys are ${known.join(', ')}`
            : '';
        out.push({ path: joinPath(prefix, joinPath(path, key)), message: `unknown key${hint}` });
      }
      continue;
    }
    out.push({ path: joinPath(prefix, path), message: issue.message });
  }
  return out;
}

/** Validate with any Standard Schema; returns the output or our issues. */
export async function validateWith<T>(
  schema: StandardSchemaV1<unknown, T>,
  value: unknown,
  prefix = '',
): Promise<{ ok: true; value: T } | { ok: false; issues: Issue[] }> {
  const result = await schema['~standard'].validate(value);
  if (result.issues) return { ok: false, issues: toIssues(schema, result.issues, prefix) };
  return { ok: true, value: result.value };
}
