/** One thing the harness did or saw, with its wall-clock time (to match against stream entry ids). */
export interface TimelineEntry {
  /** Milliseconds since the run started. */
  at: number;
  /** Epoch milliseconds. */
  time: number;
  what: string;
}

/** The run's log of actions, printed as it goes (to stderr, so `--json` stays clean). */
export class Timeline {
  readonly start = Date.now();
  readonly entries: TimelineEntry[] = [];
  readonly #quiet: boolean;

  constructor(quiet: boolean) {
    this.#quiet = quiet;
  }

  note(what: string): void {
    const time = Date.now();
    const entry = { at: time - this.start, time, what };
    this.entries.push(entry);
    if (!this.#quiet) process.stderr.write(`[chaos ${(entry.at / 1000).toFixed(1).padStart(6)} s] ${what}\n`);
  }
}
