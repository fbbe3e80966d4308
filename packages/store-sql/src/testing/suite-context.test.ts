import { describe, expect, it } from 'vitest';
import { checkSuiteOptions, RawSql } from './suite-context.js';
import type { SqlStoreSuiteOptions } from './suite-options.js';

const valid: SqlStoreSuiteOptions = {
  name: 'my-orm (postgresql)',
  dialect: 'postgresql',
  open: async () => {
    throw new Error('not opened in this test');
  },
};

describe('runSqlStoreSuites options', () => {
  it('accepts a minimal set and one with the cross-process module', () => {
    expect(() => checkSuiteOptions(valid)).not.toThrow();
    expect(() =>
      checkSuiteOptions({
        ...valid,
        capabilities: { crossProcess: true },
        claimerModule: import.meta.filename,
      }),
    ).not.toThrow();
  });

  it('lists every problem at once, each with where it is and what was found', () => {
    const bad = {
      name: '',
      dialect: 'oracle',
      open: 'open',
      capabilities: { wakeups: 'yes', fast: true },
    } as unknown as SqlStoreSuiteOptions;
    expect(() => checkSuiteOptions(bad)).toThrow(
      /name: expected the suite title.*dialect: expected 'postgresql', 'mysql' \(MariaDB too\) or 'sqlite', got "oracle".*open: expected a function.*capabilities\.wakeups: expected true or false, got "yes".*capabilities\.fast: unknown/,
    );
    expect(() => checkSuiteOptions(bad)).toThrow(
      expect.objectContaining({ code: 'DISPATCH_INVALID_ARGUMENT' }),
    );
  });

  it('asks for an absolute, existing claimer module when crossProcess is declared', () => {
    expect(() => checkSuiteOptions({ ...valid, capabilities: { crossProcess: true } })).toThrow(
      /claimerModule: the crossProcess capability needs the absolute path/,
    );
    expect(() => checkSuiteOptions({ ...valid, claimerModule: 'fixtures/claimer.ts' })).toThrow(
      /claimerModule: expected an absolute path/,
    );
    expect(() => checkSuiteOptions({ ...valid, claimerModule: '/nowhere/claimer.ts' })).toThrow(
      /claimerModule: no file at \/nowhere\/claimer\.ts/,
    );
  });

  it('refuses something that is not an options object', () => {
    expect(() => checkSuiteOptions(undefined as unknown as SqlStoreSuiteOptions)).toThrow(
      /runSqlStoreSuites expects an options object/,
    );
  });
});

describe('raw SQL for the suites', () => {
  const executor = (dialect: 'postgresql' | 'mysql' | 'sqlite', seen: string[]) =>
    new RawSql({
      dialect,
      query: async (sql) => {
        seen.push(sql);
        return [];
      },
      run: async () => 0,
      transaction: (work) => work(undefined),
      callerTransaction: () => undefined,
      isMissingTable: () => false,
    });

  it('quotes per dialect, schema-qualified names too, and numbers placeholders on PostgreSQL', async () => {
    const seen: string[] = [];
    const pg = executor('postgresql', seen);
    expect(pg.quote('s.t')).toBe('"s"."t"');
    expect(executor('mysql', seen).quote('db.t')).toBe('`db`.`t`');
    await pg.query('SELECT n FROM t WHERE k = ? AND j = ?', ['a', 'b']);
    await executor('sqlite', seen).query('SELECT n FROM t WHERE k = ?', ['a']);
    expect(seen).toEqual(['SELECT n FROM t WHERE k = $1 AND j = $2', 'SELECT n FROM t WHERE k = ?']);
  });

  it('says so when the executor finds no transaction in what transaction() handed out', () => {
    expect(() => executor('sqlite', []).run('SELECT 1', [], { not: 'a transaction' })).toThrow(
      /callerTransaction\(\) found no transaction/,
    );
  });
});
