import { describe, expect, it } from 'vitest';
import { CommitCallbacks } from './commit-callbacks.js';

describe('CommitCallbacks', () => {
  const recorder = () => {
    const ran: string[] = [];
    return { ran, cb: (name: string) => () => void ran.push(name) };
  };

  it('runs every callback once, in order, on commit and never again', () => {
    const { ran, cb } = recorder();
    const callbacks = new CommitCallbacks();
    callbacks.add(cb('a'));
    callbacks.savepoint('s1');
    callbacks.add(cb('b'));
    callbacks.commit();
    callbacks.commit();
    callbacks.rollback();
    expect(ran).toEqual(['a', 'b']);
    expect(callbacks.status).toBe('committed');
  });

  it('drops everything on rollback', () => {
    const { ran, cb } = recorder();
    const callbacks = new CommitCallbacks();
    callbacks.add(cb('a'));
    callbacks.rollback();
    callbacks.commit();
    expect(ran).toEqual([]);
    expect(callbacks.status).toBe('rolled back');
  });

  it('drops what a rolled-back savepoint and the savepoints inside it added, keeping the savepoint', () => {
    const { ran, cb } = recorder();
    const callbacks = new CommitCallbacks();
    callbacks.add(cb('kept'));
    callbacks.savepoint('s1');
    callbacks.add(cb('s1'));
    callbacks.savepoint('s2');
    callbacks.add(cb('s2'));
    callbacks.rollbackToSavepoint('s1');
    expect(callbacks.depth).toBe(1);
    callbacks.add(cb('after'));
    callbacks.releaseSavepoint('s1');
    expect(callbacks.depth).toBe(0);
    callbacks.commit();
    expect(ran).toEqual(['kept', 'after']);
  });

  it('hands a released savepoint’s callbacks to the level around it, where a rollback drops them', () => {
    const { ran, cb } = recorder();
    const callbacks = new CommitCallbacks();
    callbacks.savepoint('outer');
    callbacks.savepoint('inner');
    callbacks.add(cb('inner'));
    callbacks.releaseSavepoint('inner');
    callbacks.rollbackToSavepoint('outer');
    callbacks.commit();
    expect(ran).toEqual([]);
  });

  it('matches the latest savepoint of a name, ignores unknown names, and survives a throwing callback', () => {
    const { ran, cb } = recorder();
    const callbacks = new CommitCallbacks();
    callbacks.savepoint('s');
    callbacks.add(cb('first s'));
    callbacks.savepoint('s');
    callbacks.add(cb('second s'));
    callbacks.rollbackToSavepoint('s');
    callbacks.releaseSavepoint('nowhere');
    callbacks.add(() => {
      throw new Error('boom');
    });
    callbacks.add(cb('last'));
    callbacks.commit();
    expect(ran).toEqual(['first s', 'last']);
  });

  it('settles with the outcome of the transaction it follows', async () => {
    const { ran, cb } = recorder();
    const committed = new CommitCallbacks();
    const result = await committed.settleWith(async () => {
      committed.add(cb('committed'));
      return 42;
    });
    expect(result).toBe(42);
    expect(committed.status).toBe('committed');

    const failed = new CommitCallbacks();
    const failure = failed.settleWith(async () => {
      failed.add(cb('rolled back'));
      throw new Error('rolled back');
    });
    await expect(failure).rejects.toThrow('rolled back');
    expect(failed.status).toBe('rolled back');
    expect(ran).toEqual(['committed']);
  });
});
