import { fileURLToPath } from 'node:url';
import { isBackendDefinition, loadDefinition } from '@dispatch/core';
import { describe, expect, it } from 'vitest';
import defaultExport, { rabbitmqBackend } from './index.js';

describe('package entry', () => {
  it('exports the definition as default and by name', () => {
    expect(defaultExport).toBe(rabbitmqBackend);
    expect(isBackendDefinition(defaultExport)).toBe(true);
    expect(rabbitmqBackend.type).toBe('rabbitmq');
  });

  it('is what a BACKEND specifier loads', async () => {
    const packageDir = fileURLToPath(new URL('..', import.meta.url));
    const loaded = await loadDefinition('./src/index.ts', 'backend', packageDir);
    expect(loaded.type).toBe('rabbitmq');
  });
});
