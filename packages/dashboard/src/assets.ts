import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface Asset {
  body: string;
  type: string;
}

export interface Assets {
  files: ReadonlyMap<string, Asset>;
  /** Content hash: asset URLs change with their content, so they can be cached for good. */
  version: string;
}

let loaded: Assets | undefined;

/**
 * The browser code and stylesheet, read once from `client/` next to this module: the minified
 * build in `dist/client`, the sources in `src/client` when run from source.
 */
export function loadAssets(): Assets {
  if (loaded) return loaded;
  const files = new Map<string, Asset>();
  const hash = createHash('sha256');
  for (const [name, type] of [
    ['app.js', 'text/javascript; charset=utf-8'],
    ['app.css', 'text/css; charset=utf-8'],
  ] as const) {
    const body = readFileSync(new URL(`./client/${name}`, import.meta.url), 'utf8');
    hash.update(body);
    files.set(name, { body, type });
  }
  loaded = { files, version: hash.digest('hex').slice(0, 12) };
  return loaded;
}
