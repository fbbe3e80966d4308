import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isBackendDefinition, LoadError, loadDefinition } from '../src/index.js';

const fixtures = join(import.meta.dirname, 'fixtures');

describe('loadDefinition', () => {
  it('loads a TypeScript path relative to the config folder (default export)', async () => {
    const definition = await loadDefinition('./backends/webhook.ts', 'backend', fixtures);
    expect(isBackendDefinition(definition)).toBe(true);
    expect(definition.type).toBe('webhook');
  });

  it('loads a named export with #name', async () => {
    const definition = await loadDefinition('./backends/webhook.ts#namedWebhook', 'backend', fixtures);
    expect(definition.type).toBe('webhook');
  });

  it('names the specifier, the resolved file and what was found when the export is not a definition', async () => {
    const error = await loadDefinition('./backends/webhook.ts#notABackend', 'backend', fixtures).catch(
      (e) => e,
    );
    expect(error).toBeInstanceOf(LoadError);
    expect(error.code).toBe('DISPATCH_LOAD_FAILED');
    expect(error.specifier).toBe('./backends/webhook.ts#notABackend');
    expect(error.message).toContain(join(fixtures, 'backends/webhook.ts'));
    expect(error.message).toContain('export "notABackend" is an object');
    expect(error.message).toContain('defineBackend(');
  });

  it('lists the exports of a module that has no definition', async () => {
    const error = await loadDefinition('./backends/empty.mjs', 'backend', fixtures).catch((e) => e);
    expect(error.code).toBe('DISPATCH_LOAD_FAILED');
    expect(error.message).toContain('helper (a function');
    expect(error.message).toContain('settings (an object)');
  });

  it('says where it looked for a missing file', async () => {
    const error = await loadDefinition('./backends/nope.js', 'backend', fixtures).catch((e) => e);
    expect(error.code).toBe('DISPATCH_LOAD_FAILED');
    expect(error.message).toContain(join(fixtures, 'backends/nope.js'));
    expect(error.message).toContain("config file's folder");
  });

  it('tells how to install a package that is not there', async () => {
    const error = await loadDefinition('@dispatch/no-such-backend', 'backend', fixtures).catch((e) => e);
    expect(error.code).toBe('DISPATCH_LOAD_FAILED');
    expect(error.message).toContain('pnpm add @dispatch/no-such-backend');
  });

  it('refuses a backend where a store is expected', async () => {
    const error = await loadDefinition('./backends/webhook.ts', 'store', fixtures).catch((e) => e);
    expect(error.code).toBe('DISPATCH_LOAD_FAILED');
    expect(error.message).toContain('does not export a store definition');
    expect(error.message).toContain('default (a backend definition)');
  });

  it('loads an installed package by name', async () => {
    // zod is installed next to core; it has no definition, so this proves resolution then inspection.
    const error = await loadDefinition('zod', 'backend', fixtures).catch((e) => e);
    expect(error.code).toBe('DISPATCH_LOAD_FAILED');
    expect(error.message).toContain('does not export a backend definition');
    expect(error.message).toMatch(/resolved to .*zod/);
  });
});
