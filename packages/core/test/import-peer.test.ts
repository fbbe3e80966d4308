import { describe, expect, it } from 'vitest';
import { importPeer, LoadError } from '../src/index.js';

const missing = (cause: unknown) => new LoadError('not-installed', 'install not-installed', { cause });

describe('importPeer', () => {
  it('returns the module when it is installed', async () => {
    const path = await importPeer(() => import('node:path'), missing);
    expect(typeof path.join).toBe('function');
  });

  it('throws what `missing` makes when the package is not installed', async () => {
    // A specifier held in a variable, so the compiler does not look for the package either.
    const absent = 'dispatch-no-such-package-for-this-test';
    const attempt = importPeer(() => import(absent), missing);
    await expect(attempt).rejects.toBeInstanceOf(LoadError);
    await expect(attempt).rejects.toThrow('install not-installed');
  });

  it('passes any other failure through unchanged', async () => {
    const broken = new Error('the module threw while loading');
    await expect(importPeer(() => Promise.reject(broken), missing)).rejects.toBe(broken);
  });
});
