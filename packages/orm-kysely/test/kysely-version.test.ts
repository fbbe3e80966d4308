import { Kysely } from 'kysely';
import { describe, expect, it } from 'vitest';

describe('the Kysely under test', () => {
  // Each configuration must run on the line it names: an alias that stopped applying (or leaked
  // into the main configuration) would otherwise run one line twice and pass.
  it('is the line this configuration names', async () => {
    const line = process.env.VITEST_KYSELY_LINE ?? '0.29';
    const kysely028 = (await import('kysely-0-28')) as { Kysely: unknown };
    expect(Kysely === kysely028.Kysely).toBe(line === '0.28');
  });
});
