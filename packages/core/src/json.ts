import type { Issue } from './errors.js';
import { joinPath } from './schema-issues.js';

/**
 * Find values in `data` that JSON cannot carry faithfully: BigInt, functions, symbols, undefined,
 * NaN/Infinity, cycles, and objects (Map, Set, class instances) that would silently serialise to
 * `{}`. Dates and objects with `toJSON` are accepted, as JSON.stringify would convert them.
 */
export function findJsonProblems(value: unknown, path = 'data', max = 10): Issue[] {
  const issues: Issue[] = [];
  const ancestors = new Set<object>();

  const visit = (node: unknown, at: string): void => {
    if (issues.length >= max) return;
    switch (typeof node) {
      case 'string':
      case 'boolean':
        return;
      case 'number':
        if (!Number.isFinite(node))
          issues.push({ path: at, message: `${node} is not representable in JSON` });
        return;
      case 'bigint':
        issues.push({
          path: at,
          message: 'BigInt is not JSON-serialisable; convert it to a string or number',
        });
        return;
      case 'function':
        issues.push({ path: at, message: 'a function is not JSON-serialisable' });
        return;
      case 'symbol':
        issues.push({ path: at, message: 'a symbol is not JSON-serialisable' });
        return;
      case 'undefined':
        issues.push({ path: at, message: 'undefined is not JSON; use null or leave the key out' });
        return;
    }
    if (node === null) return;
    const object = node as object;
    if (ancestors.has(object)) {
      issues.push({ path: at, message: 'circular reference' });
      return;
    }
    if (typeof (object as { toJSON?: unknown }).toJSON === 'function') {
      if (object instanceof Date && Number.isNaN(object.getTime())) {
        issues.push({ path: at, message: 'invalid Date' });
      }
      return;
    }
    ancestors.add(object);
    if (Array.isArray(object)) {
      object.forEach((item, index) => {
        visit(item, `${at}[${index}]`);
      });
    } else {
      const proto = Object.getPrototypeOf(object);
      if (proto !== Object.prototype && proto !== null) {
        const name = (object.constructor as { name?: string } | undefined)?.name ?? 'object';
        issues.push({
          path: at,
          message: `a ${name} is not plain JSON (it would be written as {}); convert it first`,
        });
      } else {
        for (const [key, item] of Object.entries(object)) {
          if (item === undefined) continue; // JSON.stringify drops it, which is what the caller means
          visit(item, joinPath(at, /^[A-Za-z_$][\w$]*$/.test(key) ? key : `[${JSON.stringify(key)}]`));
        }
      }
    }
    ancestors.delete(object);
  };

  visit(value, path);
  return issues;
}
