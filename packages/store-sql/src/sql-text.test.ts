import { describe, expect, it } from 'vitest';
import { numberedPlaceholders, questionPlaceholders } from './sql-text.js';

describe('placeholders', () => {
  it('numbers ? in order and leaves quoted text alone', () => {
    expect(numberedPlaceholders(`SELECT ? AS a, '?' AS "b?" FROM t WHERE x IN (?, ?)`)).toBe(
      `SELECT $1 AS a, '?' AS "b?" FROM t WHERE x IN ($2, $3)`,
    );
    expect(numberedPlaceholders('SELECT 1')).toBe('SELECT 1');
  });

  it('turns numbered placeholders back into ? for ORMs that bind ? everywhere', () => {
    const sql = `UPDATE t SET a = ? WHERE b = ?::bigint AND c IN (?, ?)`;
    expect(questionPlaceholders(numberedPlaceholders(sql))).toBe(sql);
  });
});
