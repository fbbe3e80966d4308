/**
 * Slack after a put-off event's due time: the store counts the delay from its own clock when the
 * outcome is written, a moment before the worker learns it was.
 */
const SLACK_MS = 5;
/** Shortest time between two alarms: a batch of retries spread by jitter wakes a few times, not once each. */
const MIN_GAP_MS = 50;
/** Due times kept; beyond them, the latest are left to the poll. */
const MAX_KEPT = 1000;

/**
 * Wakes an idle worker when an event it put off (a retry, a held event) is due again, instead of
 * letting it sleep a whole SLEEP_TIME past it. Only this worker's own outcomes are known here;
 * other workers' retries are found at the next poll.
 */
export class DueAlarm {
  readonly #wake: () => void;
  /** Due times, earliest first. */
  #due: number[] = [];
  #timer: ReturnType<typeof setTimeout> | undefined;
  #timerAt = Number.POSITIVE_INFINITY;
  #rangAt = Number.NEGATIVE_INFINITY;

  constructor(wake: () => void) {
    this.#wake = wake;
  }

  /** An outcome the store applied puts an event off for `delayMs`. */
  note(delayMs: number): void {
    const at = Date.now() + delayMs + SLACK_MS;
    let index = this.#due.length;
    while (index > 0 && (this.#due[index - 1] as number) > at) index -= 1;
    this.#due.splice(index, 0, at);
    if (this.#due.length > MAX_KEPT) this.#due.length = MAX_KEPT;
    this.#arm();
  }

  /** No more alarms (the worker stopped). */
  stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#due = [];
  }

  #arm(): void {
    const next = this.#due[0];
    if (next === undefined || next >= this.#timerAt) return;
    clearTimeout(this.#timer);
    this.#timerAt = next;
    // No sooner than MIN_GAP_MS after the last alarm.
    const delay = Math.max(next, this.#rangAt + MIN_GAP_MS) - Date.now();
    this.#timer = setTimeout(() => this.#ring(), Math.max(0, delay));
    // The worker's own loop keeps the process alive; an alarm must not.
    this.#timer.unref?.();
  }

  #ring(): void {
    this.#timer = undefined;
    this.#timerAt = Number.POSITIVE_INFINITY;
    this.#rangAt = Date.now();
    while (this.#due.length > 0 && (this.#due[0] as number) <= this.#rangAt) this.#due.shift();
    this.#arm();
    this.#wake();
  }
}
