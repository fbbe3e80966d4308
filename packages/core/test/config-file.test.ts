import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createDispatch, loadConfigFile } from '../src/index.js';

const fixtures = join(import.meta.dirname, 'fixtures');

describe('loadConfigFile', () => {
  it('finds dispatch.config.ts in the folder and loads what it names relative to itself', async () => {
    const loaded = await loadConfigFile({ cwd: join(fixtures, 'config-ts') });
    expect(loaded.path).toBe(join(fixtures, 'config-ts', 'dispatch.config.ts'));
    const dispatch = await createDispatch(loaded.config as never, { source: loaded.path });
    expect(dispatch.backends.get('default')?.type).toBe('webhook');
    expect(dispatch.store.type).toBe('memory');
    await dispatch.close();
  });

  it('says where it looked when there is no config file', async () => {
    const error = await loadConfigFile({ cwd: fixtures }).catch((e) => e);
    expect(error.code).toBe('DISPATCH_CONFIG_INVALID');
    expect(error.message).toContain('dispatch.config.ts');
    expect(error.message).toContain('--config');
  });

  it('reports every problem of a config file at once, naming the file', async () => {
    const loaded = await loadConfigFile({ cwd: join(fixtures, 'config-bad') });
    const error = await createDispatch(loaded.config as never, { source: loaded.path }).catch((e) => e);
    expect(error.code).toBe('DISPATCH_CONFIG_INVALID');
    expect(error.message).toContain(loaded.path);
    expect(error.message).toContain('OUTBOX_WORKER.BATCH_SZIE: unknown key; did you mean "BATCH_SIZE"?');
  });

  it('reports setting mistakes and a bad STORE in the same error', async () => {
    const loaded = await loadConfigFile({ cwd: join(fixtures, 'config-bad') });
    const error = await createDispatch(loaded.config as never, { source: loaded.path }).catch((e) => e);
    expect(error.issues.map((issue: { path: string }) => issue.path)).toEqual([
      'OUTBOX_WORKER.BATCH_SZIE',
      'OUTBOX_STORE.STORE',
    ]);
  });

  it('reports a bad STORE with what the module exports instead', async () => {
    const loaded = await loadConfigFile({ cwd: join(fixtures, 'config-bad') });
    const error = await createDispatch({ ...(loaded.config as object), OUTBOX_WORKER: {} } as never, {
      source: loaded.path,
    }).catch((e) => e);
    expect(error.code).toBe('DISPATCH_CONFIG_INVALID');
    expect(error.issues).toHaveLength(1);
    expect(error.issues[0].path).toBe('OUTBOX_STORE.STORE');
    expect(error.issues[0].message).toContain('does not export a store definition');
  });
});
