import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { CliFailure, type CliIo } from '../cli-io.js';
import {
  BACKEND_PACKAGES,
  type BackendPackage,
  configTemplate,
  STORE_PACKAGES,
  type StorePackage,
} from './config-template.js';

export interface InitCommandOptions {
  force?: boolean | undefined;
  store?: string | undefined;
  backend?: string | undefined;
}

/** The dependencies of the project in `cwd` (its package.json), or none when there is no such file. */
function projectDependencies(cwd: string): Set<string> {
  const file = join(cwd, 'package.json');
  if (!existsSync(file)) return new Set();
  let manifest: Record<string, unknown>;
  try {
    manifest = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch (error) {
    throw new CliFailure(`cannot read ${file}: ${(error as Error).message}`);
  }
  const names = new Set<string>();
  for (const field of ['dependencies', 'devDependencies', 'peerDependencies']) {
    const section = manifest[field];
    if (section && typeof section === 'object') for (const name of Object.keys(section)) names.add(name);
  }
  return names;
}

function pick<T extends string>(
  flag: string,
  given: string | undefined,
  choices: readonly T[],
  found: Set<string>,
) {
  if (given !== undefined) {
    const named = choices.find(
      (choice) => choice === given || choice.endsWith(`/${given}`) || choice.endsWith(`-${given}`),
    );
    if (!named) throw new CliFailure(`${flag} "${given}": use one of ${choices.join(', ')}`);
    return { chosen: named as T, others: [] as T[] };
  }
  const installed = choices.filter((choice) => found.has(choice));
  return { chosen: installed[0], others: installed.slice(1) };
}

/**
 * `dispatch init`: write a commented `dispatch.config.ts` for the store and backend packages the
 * project in the current folder depends on (or those named by `--store` / `--backend`).
 */
export async function initCommand(options: InitCommandOptions, io: CliIo): Promise<number> {
  const target = join(io.cwd, 'dispatch.config.ts');
  if (existsSync(target) && !options.force) {
    throw new CliFailure(`${target} exists; pass --force to replace it`);
  }
  const found = projectDependencies(io.cwd);
  const store = pick('--store', options.store, STORE_PACKAGES, found);
  const backend = pick('--backend', options.backend, BACKEND_PACKAGES, found);
  const storePackage: StorePackage = store.chosen ?? 'memory';
  const backendPackage: BackendPackage = backend.chosen ?? '@dispatch/backend-memory';
  writeFileSync(target, configTemplate(storePackage, backendPackage));

  const shown = relative(io.cwd, target) || target;
  io.stdout.write(`wrote ${shown} (store: ${storePackage}, backend: ${backendPackage})\n`);
  for (const [what, others] of [
    ['stores', store.others],
    ['backends', backend.others],
  ] as const) {
    if (others.length > 0)
      io.stdout.write(
        `also installed, not used: ${others.join(', ')} (${what}; --store / --backend picks)\n`,
      );
  }
  const missing = [storePackage, backendPackage].filter((name) => name !== 'memory' && !found.has(name));
  if (missing.length > 0) io.stdout.write(`not in package.json yet: pnpm add ${missing.join(' ')}\n`);
  io.stdout.write(
    `next: fill in the connection settings in ${shown}, then run \`dispatch migrate\` and \`dispatch worker\`\n`,
  );
  return 0;
}
