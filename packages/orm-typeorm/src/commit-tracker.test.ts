import { describe, expect, it } from 'vitest';
import { CommitTracker } from './commit-tracker.js';
import type { QueryRunnerLike } from './typeorm-types.js';

/** A query runner's transaction depth, moved the way TypeORM moves it around each hook. */
function runner() {
  const state = { transactionDepth: 0 } as unknown as QueryRunnerLike;
  const tracker = new CommitTracker(() => {});
  const event = { queryRunner: state };
  return {
    tracker,
    start() {
      tracker.beforeTransactionStart(event);
      state.transactionDepth = (state.transactionDepth ?? 0) + 1;
    },
    commit() {
      state.transactionDepth = (state.transactionDepth ?? 0) - 1;
      tracker.afterTransactionCommit(event);
    },
    rollback() {
      state.transactionDepth = (state.transactionDepth ?? 0) - 1;
      tracker.afterTransactionRollback(event);
    },
    /** The depth back at 0 without a commit or rollback reported (both failed). */
    lose() {
      state.transactionDepth = 0;
    },
    add(callback: () => void) {
      tracker.add(state, callback);
    },
  };
}

describe('CommitTracker', () => {
  const recorder = () => {
    const ran: string[] = [];
    return { ran, cb: (name: string) => () => void ran.push(name) };
  };

  it('runs every callback once, in order, when the outermost transaction commits', () => {
    const { ran, cb } = recorder();
    const r = runner();
    r.start();
    r.add(cb('a'));
    r.start();
    r.add(cb('b'));
    r.commit();
    expect(ran).toEqual([]);
    r.commit();
    r.commit();
    expect(ran).toEqual(['a', 'b']);
  });

  it('drops everything on rollback, and what a rolled-back savepoint and those inside it added', () => {
    const { ran, cb } = recorder();
    const r = runner();
    r.start();
    r.add(cb('kept'));
    r.start();
    r.add(cb('s1'));
    r.start();
    r.add(cb('s2'));
    r.commit();
    r.rollback();
    r.add(cb('after'));
    r.commit();
    expect(ran).toEqual(['kept', 'after']);

    r.start();
    r.add(cb('gone'));
    r.rollback();
    r.commit();
    expect(ran).toEqual(['kept', 'after']);
  });

  it('never runs what is left from a transaction whose outcome was not reported', () => {
    const { ran, cb } = recorder();
    const r = runner();
    r.start();
    r.add(cb('unknown'));
    r.lose();
    r.start();
    r.commit();
    expect(ran).toEqual([]);
  });

  it('keeps going after a throwing callback', () => {
    const { ran, cb } = recorder();
    const r = runner();
    r.start();
    r.add(() => {
      throw new Error('boom');
    });
    r.add(cb('last'));
    r.commit();
    expect(ran).toEqual(['last']);
  });
});
