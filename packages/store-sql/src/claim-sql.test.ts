import { describe, expect, it } from 'vitest';
import { keyRunsOf } from './claim-sql.js';

const row = (seq: number, key: string | null) => ({ seq, ordering_key: key });

describe('keyRunsOf', () => {
  it('keeps each key up to its first non-final row that was not locked, and every unkeyed row', () => {
    const candidates = [row(1, 'a'), row(2, 'a'), row(4, 'a'), row(5, null), row(7, 'b'), row(9, 'b')];
    // a: 3 is held elsewhere, so 4 must wait; b: 6 is before the first candidate, so all of b waits.
    const nonFinal = [
      row(1, 'a'),
      row(2, 'a'),
      row(3, 'a'),
      row(4, 'a'),
      row(6, 'b'),
      row(7, 'b'),
      row(9, 'b'),
    ];
    expect(keyRunsOf(candidates, nonFinal).map((r) => r.seq)).toEqual([1, 2, 5]);
  });

  it('keeps a whole run when nothing is in between', () => {
    const candidates = [row(10, 'k'), row(11, 'k'), row(12, 'k')];
    expect(keyRunsOf(candidates, candidates).map((r) => r.seq)).toEqual([10, 11, 12]);
  });
});
