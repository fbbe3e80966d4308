import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { DueAlarm } from './due-alarm.js';

beforeEach(() => {
  vi.useFakeTimers({ now: new Date('2026-03-01T12:00:00Z') });
});

afterEach(() => {
  vi.useRealTimers();
});

describe('DueAlarm', () => {
  it('wakes a moment after the earliest put-off event is due, then for the next', () => {
    const wake = vi.fn();
    const alarm = new DueAlarm(wake);
    alarm.note(3000);
    alarm.note(1000);
    vi.advanceTimersByTime(1004);
    expect(wake).not.toHaveBeenCalled();
    vi.advanceTimersByTime(1);
    expect(wake).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(2000);
    expect(wake).toHaveBeenCalledTimes(2);
    vi.advanceTimersByTime(60_000);
    expect(wake).toHaveBeenCalledTimes(2);
  });

  it('wakes a few times for many due times close together, not once each', () => {
    const wake = vi.fn();
    const alarm = new DueAlarm(wake);
    for (let n = 0; n < 100; n++) alarm.note(1000 + n);
    vi.advanceTimersByTime(1200);
    expect(wake.mock.calls.length).toBeGreaterThanOrEqual(2);
    expect(wake.mock.calls.length).toBeLessThanOrEqual(4);
  });

  it('wakes no more once stopped', () => {
    const wake = vi.fn();
    const alarm = new DueAlarm(wake);
    alarm.note(1000);
    alarm.stop();
    vi.advanceTimersByTime(5000);
    expect(wake).not.toHaveBeenCalled();
  });
});
