import { describe, expect, it } from 'vitest';
import { isMissingTableError } from './missing-table.js';

describe('isMissingTableError', () => {
  it("knows each driver's no-such-table error, also wrapped in a cause", () => {
    expect(isMissingTableError({ code: '42P01' })).toBe(true);
    expect(isMissingTableError({ code: 'ER_NO_SUCH_TABLE' })).toBe(true);
    expect(isMissingTableError({ errno: 1146 })).toBe(true);
    expect(isMissingTableError({ code: 'SQLITE_ERROR', message: 'no such table: outbox_events' })).toBe(true);
    expect(isMissingTableError(new Error('query failed', { cause: { code: '42P01' } }))).toBe(true);
  });

  it('says no to anything else, and to a cycle of causes', () => {
    const cycle: { cause?: unknown } = {};
    cycle.cause = cycle;
    expect(isMissingTableError(new Error('connection refused'))).toBe(false);
    expect(isMissingTableError({ code: 'SQLITE_ERROR', message: 'no such column: x' })).toBe(false);
    expect(isMissingTableError({ code: '42703', message: 'no such table' })).toBe(false);
    expect(isMissingTableError(undefined)).toBe(false);
    expect(isMissingTableError(cycle)).toBe(false);
  });

  it('follows the wrapped error where the ORM keeps it', () => {
    const wrapped = { message: 'QueryFailedError', driverError: { code: 'ER_NO_SUCH_TABLE' } };
    expect(isMissingTableError(wrapped)).toBe(false);
    expect(isMissingTableError(wrapped, (error) => (error as { driverError?: unknown }).driverError)).toBe(
      true,
    );
  });
});
