import { describe, expect, it } from 'vitest';
import { MissingClientError } from './client.js';

describe('MissingClientError', () => {
  it('says which packages to install when the client is missing', () => {
    const error = new MissingClientError('@nats-io/jetstream');
    expect(error.code).toBe('DISPATCH_LOAD_FAILED');
    expect(error.message).toMatch(/pnpm add @nats-io\/transport-node @nats-io\/jetstream/);
  });
});
