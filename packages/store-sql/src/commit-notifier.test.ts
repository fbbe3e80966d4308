import { silentLogger } from '@dispatch/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CommitNotifier } from './commit-notifier.js';

afterEach(() => {
  vi.useRealTimers();
});

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('CommitNotifier', () => {
  it('sends one NOTIFY at a time; commits during one share the next', async () => {
    const pending: (() => void)[] = [];
    const send = vi.fn(() => new Promise<void>((resolve) => pending.push(resolve)));
    const notifier = new CommitNotifier(send, silentLogger, 0);
    notifier.committed();
    notifier.committed();
    await tick();
    expect(send).toHaveBeenCalledTimes(1);
    notifier.committed();
    notifier.committed();
    expect(send).toHaveBeenCalledTimes(1);
    pending.shift()?.();
    await vi.waitFor(() => expect(send).toHaveBeenCalledTimes(2));
    pending.shift()?.();
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(send).toHaveBeenCalledTimes(2);
  });

  it('starts sending only after the committing code has run on', async () => {
    const send = vi.fn(async () => {});
    const notifier = new CommitNotifier(send, silentLogger, 0);
    notifier.committed();
    await Promise.resolve();
    expect(send).not.toHaveBeenCalled();
    await tick();
    expect(send).toHaveBeenCalledTimes(1);
  });

  it('lets commits within the interval after a NOTIFY share one sent when the interval is up', async () => {
    // Fake clocks, performance.now included: the interval is checked, not the machine's timers.
    vi.useFakeTimers({
      toFake: ['setTimeout', 'clearTimeout', 'setImmediate', 'clearImmediate', 'performance'],
    });
    const sentAt: number[] = [];
    const send = vi.fn(async () => {
      sentAt.push(performance.now());
    });
    const notifier = new CommitNotifier(send, silentLogger, 50);
    notifier.committed();
    await vi.advanceTimersByTimeAsync(0);
    expect(send).toHaveBeenCalledTimes(1);
    for (let n = 0; n < 5; n++) {
      notifier.committed();
      await vi.advanceTimersByTimeAsync(2);
    }
    expect(send).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(39);
    expect(send).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(send).toHaveBeenCalledTimes(2);
    expect((sentAt[1] ?? 0) - (sentAt[0] ?? 0)).toBe(50);
    await vi.advanceTimersByTimeAsync(200);
    expect(send).toHaveBeenCalledTimes(2);
    // Long after the last one, a commit is announced at once again.
    notifier.committed();
    await vi.advanceTimersByTimeAsync(0);
    expect(send).toHaveBeenCalledTimes(3);
  });

  it('gives up on a NOTIFY that never answers, so later commits are announced again', async () => {
    vi.useFakeTimers();
    const send = vi
      .fn<() => Promise<void>>()
      .mockImplementationOnce(() => new Promise<void>(() => {}))
      .mockResolvedValue(undefined);
    const notifier = new CommitNotifier(send, silentLogger, 0);
    notifier.committed();
    await vi.advanceTimersByTimeAsync(0);
    notifier.committed();
    await vi.advanceTimersByTimeAsync(10_000);
    expect(send).toHaveBeenCalledTimes(2);
  });

  it('sends nothing after stop, and does not wait for the one on its way', async () => {
    const send = vi.fn(() => new Promise<void>(() => {}));
    const notifier = new CommitNotifier(send, silentLogger, 0);
    notifier.committed();
    await tick();
    notifier.stop();
    notifier.committed();
    await tick();
    expect(send).toHaveBeenCalledTimes(1);
  });
});
