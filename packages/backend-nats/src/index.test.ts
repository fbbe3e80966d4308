import { fileURLToPath } from 'node:url';
import { isBackendDefinition, loadDefinition } from '@dispatch/core';
import { describe, expect, it } from 'vitest';
import { MissingClientError } from './client.js';
import defaultExport, { natsBackend } from './index.js';

describe('package entry', () => {
  it('exports the definition as default and by name', () => {
    expect(defaultExport).toBe(natsBackend);
    expect(isBackendDefinition(defaultExport)).toBe(true);
    expect(natsBackend.type).toBe('nats');
  });

  it('is what a BACKEND specifier loads', async () => {
    const packageDir = fileURLToPath(new URL('..', import.meta.url));
    const loaded = await loadDefinition('./src/index.ts', 'backend', packageDir);
    expect(loaded.type).toBe('nats');
  });

  it('says which packages to install when the client is missing', () => {
    const error = new MissingClientError('@nats-io/jetstream');
    expect(error.code).toBe('DISPATCH_LOAD_FAILED');
    expect(error.message).toMatch(/pnpm add @nats-io\/transport-node @nats-io\/jetstream/);
  });
});
