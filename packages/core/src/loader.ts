import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createJiti } from 'jiti';
import { type BackendDefinition, isBackendDefinition } from './backend.js';
import { hasErrorCode, LoadError } from './errors.js';
import { isStoreDefinition, type StoreDefinition } from './store.js';

type Kind = 'backend' | 'store';

function isPath(specifier: string): boolean {
  return (
    specifier.startsWith('./') ||
    specifier.startsWith('../') ||
    isAbsolute(specifier) ||
    specifier.startsWith('file:')
  );
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'function') return `a function${value.name ? ` (${value.name})` : ''}`;
  if (typeof value === 'object') {
    if (isBackendDefinition(value)) return 'a backend definition';
    if (isStoreDefinition(value)) return 'a store definition';
    return 'an object';
  }
  return typeof value;
}

function summariseExports(module: Record<string, unknown>): string {
  const names = Object.keys(module);
  if (names.length === 0) return 'no exports';
  return names
    .slice(0, 12)
    .map((name) => `${name} (${describe(module[name])})`)
    .join(', ');
}

/**
 * Load the backend or store definition a `BACKEND` (or `STORE`) string points at:
 * - a package (`'@dispatch/backend-redis-stream'`), resolved from `configDir` like an import there;
 * - a path (`'./backends/webhook.js'`, TypeScript too), resolved against `configDir`;
 * - either with `#name` to pick a named export instead of the default one.
 */
export async function loadDefinition(
  specifier: string,
  kind: 'backend',
  configDir: string,
): Promise<BackendDefinition>;
export async function loadDefinition(
  specifier: string,
  kind: 'store',
  configDir: string,
): Promise<StoreDefinition>;
export async function loadDefinition(
  specifier: string,
  kind: Kind,
  configDir: string,
): Promise<BackendDefinition | StoreDefinition> {
  const hash = specifier.lastIndexOf('#');
  const target = hash > 0 ? specifier.slice(0, hash) : specifier;
  const exportName = hash > 0 ? specifier.slice(hash + 1) : undefined;
  const jiti = createJiti(join(configDir, '_dispatch_loader.js'), {
    interopDefault: false,
    moduleCache: true,
  });
  const defineHelper = kind === 'backend' ? 'defineBackend' : 'defineStore';
  const isDefinition = kind === 'backend' ? isBackendDefinition : isStoreDefinition;

  let module: Record<string, unknown>;
  let resolvedFrom: string;
  try {
    if (isPath(target)) {
      const file = target.startsWith('file:') ? new URL(target).pathname : resolve(configDir, target);
      resolvedFrom = file;
      if (!existsSync(file)) {
        throw new LoadError(
          specifier,
          `Cannot load ${kind} "${specifier}": no file at ${file} (paths resolve against the config file's folder, ${configDir}).`,
        );
      }
      module = (await jiti.import(file)) as Record<string, unknown>;
    } else {
      resolvedFrom =
        jiti.esmResolve(target, { parentURL: pathToFileURL(join(configDir, '_')).href, try: true }) ?? '';
      if (!resolvedFrom) {
        throw new LoadError(
          specifier,
          `Cannot load ${kind} "${specifier}": package "${target}" is not installed where ${configDir} can see it. ` +
            `Install it (pnpm add ${target}) in the project that holds the config file, or check the spelling.`,
        );
      }
      module = (await import(resolvedFrom)) as Record<string, unknown>;
    }
  } catch (error) {
    if (hasErrorCode(error, 'DISPATCH_LOAD_FAILED')) throw error;
    throw new LoadError(
      specifier,
      `Cannot load ${kind} "${specifier}" (from ${configDir}): ${(error as Error).message}`,
      { cause: error },
    );
  }

  const candidates: [string, unknown][] = exportName
    ? [[exportName, module[exportName]]]
    : [
        ['default', module.default],
        ['default.default', (module.default as Record<string, unknown> | undefined)?.default],
        ...Object.entries(module).filter(([name]) => name !== 'default'),
      ];
  for (const [, value] of candidates) {
    if (isDefinition(value)) return value as BackendDefinition | StoreDefinition;
  }
  const found = exportName
    ? `its export "${exportName}" is ${module[exportName] === undefined ? 'missing' : describe(module[exportName])}; the module has ${summariseExports(module)}`
    : `it has ${summariseExports(module)}`;
  throw new LoadError(
    specifier,
    `"${specifier}" (resolved to ${resolvedFrom}) does not export a ${kind} definition: ${found}. ` +
      `Export the result of ${defineHelper}(...) as the default export, or name the export with "${target}#exportName".`,
  );
}
