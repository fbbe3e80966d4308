// Load modules as a workspace package sees them: its dependencies (and dev drivers) are installed
// under it, not under bench/. Imports resolve to the package's ESM entry points, the same module
// instances the package's own ESM build gets, so `instanceof` checks inside the store hold.
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const CONDITIONS = new Set(['node', 'import', 'default']);

/** `packages/<name>/` of this repository, with `import` and `resolve` from there. */
export function fromPackage(name) {
  const packageDir = fileURLToPath(new URL(`../../packages/${name}/`, import.meta.url));
  const resolve = (specifier) => resolveEsm(packageDir, specifier);
  return {
    packageDir,
    resolve,
    /** The package's own build. */
    dist: () => import(pathToFileURL(join(packageDir, 'dist/index.js')).href),
    import: (specifier) => import(pathToFileURL(resolve(specifier)).href),
    /** `specifier` as `parent` (one of the package's dependencies) imports it. */
    importVia: (parent, specifier) =>
      import(pathToFileURL(resolveEsm(dirname(resolve(parent)), specifier)).href),
  };
}

/** The file Node's ESM resolution picks for a bare `specifier` imported from `fromDir`. */
export function resolveEsm(fromDir, specifier) {
  const parts = specifier.split('/');
  const name = specifier.startsWith('@') ? `${parts[0]}/${parts[1]}` : parts[0];
  const subpath = `.${specifier.slice(name.length)}`;
  let dir = fromDir;
  for (;;) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return entry(candidate, subpath, specifier);
    const up = dirname(dir);
    if (up === dir) throw new Error(`cannot find ${name} from ${fromDir}`);
    dir = up;
  }
}

function entry(packageDir, subpath, specifier) {
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
  let target;
  if (manifest.exports === undefined) {
    target = subpath === '.' ? (manifest.module ?? manifest.main ?? 'index.js') : subpath;
  } else {
    const exports = manifest.exports;
    const map =
      typeof exports === 'string' || !Object.keys(exports).some((key) => key.startsWith('.'))
        ? { '.': exports }
        : exports;
    if (map[subpath] !== undefined) target = conditional(map[subpath], '');
    else {
      for (const [key, value] of Object.entries(map)) {
        const star = key.indexOf('*');
        if (star < 0) continue;
        const [before, after] = [key.slice(0, star), key.slice(star + 1)];
        if (subpath.startsWith(before) && subpath.endsWith(after) && subpath.length >= key.length - 1) {
          target = conditional(value, subpath.slice(before.length, subpath.length - after.length));
          if (target) break;
        }
      }
    }
  }
  if (!target) throw new Error(`${specifier}: no ESM entry in ${packageDir}`);
  return realpathSync(join(packageDir, target));
}

function conditional(value, star) {
  if (typeof value === 'string') return value.replaceAll('*', star);
  if (Array.isArray(value)) return value.map((v) => conditional(v, star)).find(Boolean);
  if (value && typeof value === 'object') {
    for (const [condition, inner] of Object.entries(value)) {
      if (!CONDITIONS.has(condition)) continue;
      const found = conditional(inner, star);
      if (found) return found;
    }
  }
  return undefined;
}
