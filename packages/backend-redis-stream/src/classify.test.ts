import { BackendUnavailableError, EventRejectedError, LoadError } from '@dispatch/core';
import { describe, expect, it } from 'vitest';
import { classifyError, classifyReply } from './classify.js';
import { importPeer, MissingClientError } from './clients/redis-client.js';

describe('classifying Redis errors', () => {
  it.each([
    ['LOADING Redis is loading the dataset in memory', 'unavailable'],
    ["READONLY You can't write against a read only replica.", 'unavailable'],
    ['CLUSTERDOWN The cluster is down', 'unavailable'],
    ['MASTERDOWN Link with MASTER is down', 'unavailable'],
    ['TRYAGAIN Multiple keys request during rehashing of slot', 'unavailable'],
    ["OOM command not allowed when used memory > 'maxmemory'.", 'unavailable'],
    ["NOPERM User app has no permissions to access the 'orders' key", 'rejected'],
    ['ERR string exceeds maximum allowed size (proto-max-bulk-len)', 'rejected'],
    ['WRONGTYPE Operation against a key holding the wrong kind of value', 'retryable'],
    ['ERR Error running script', 'retryable'],
  ])('reply %s is %s', (message, kind) => {
    expect(classifyReply(message)).toBe(kind);
  });

  it('treats connection failures as unavailable', () => {
    expect(
      classifyError(
        Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:6379'), { code: 'ECONNREFUSED' }),
      ),
    ).toBe('unavailable');
    expect(classifyError(new Error("Stream isn't writeable and enableOfflineQueue options is false"))).toBe(
      'unavailable',
    );
    expect(classifyError(new Error('Command timed out'))).toBe('unavailable');
    class ClientOfflineError extends Error {}
    expect(classifyError(new ClientOfflineError('The client is offline'))).toBe('unavailable');
    expect(
      classifyError(new Error('boom', { cause: Object.assign(new Error('x'), { code: 'EPIPE' }) })),
    ).toBe('unavailable');
  });

  it('keeps the kinds of Dispatch errors and defaults to retryable', () => {
    expect(classifyError(new BackendUnavailableError('x'))).toBe('unavailable');
    expect(classifyError(new EventRejectedError('x'))).toBe('rejected');
    expect(classifyError(new Error('something odd'))).toBe('retryable');
    expect(classifyError('not even an error')).toBe('retryable');
  });
});

describe('optional client libraries', () => {
  it('says which package to install when the chosen one is missing', async () => {
    const missing = importPeer(
      '@redis/client',
      'node-redis',
      () => import('@dispatch/no-such-package' as string),
    );
    await expect(missing).rejects.toBeInstanceOf(MissingClientError);
    await expect(missing).rejects.toBeInstanceOf(LoadError);
    await expect(missing).rejects.toThrow(/pnpm add @redis\/client/);
  });
});
