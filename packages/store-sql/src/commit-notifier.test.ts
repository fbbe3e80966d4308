import { silentLogger } from '@dispatch/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CommitNotifier } from './commit-notifier.js';

afterEach(() => {
  vi.useRealTimers();
});

describe('CommitNotifier', () => {
  it('sends one NOTIFY at a time; commits during one share the next', async () => {
    const pending: (() => void)[] = [];
    const send = vi.fn(() => new Promise<void>((resolve) => pending.push(resolve)));
    const notifier = new CommitNotifier(send, silentLogger);
    notifier.committed();
    notifier.committed();
    notifier.committed();
    expect(send).toHaveBeenCalledTimes(1);
    pending.shift()?.();
    await vi.waitFor(() => expect(send).toHaveBeenCalledTimes(2));
    pending.shift()?.();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(send).toHaveBeenCalledTimes(2);
  });

  it('gives up on a NOTIFY that never answers, so later commits are announced again', async () => {
    vi.useFakeTimers();
    const send = vi
      .fn<() => Promise<void>>()
      .mockImplementationOnce(() => new Promise<void>(() => {}))
      .mockResolvedValue(undefined);
    const notifier = new CommitNotifier(send, silentLogger);
    notifier.committed();
    notifier.committed();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(send).toHaveBeenCalledTimes(2);
  });

  it('sends nothing after stop, and does not wait for the one on its way', async () => {
    const send = vi.fn(() => new Promise<void>(() => {}));
    const notifier = new CommitNotifier(send, silentLogger);
    notifier.committed();
    notifier.stop();
    notifier.committed();
    expect(send).toHaveBeenCalledTimes(1);
  });
});
