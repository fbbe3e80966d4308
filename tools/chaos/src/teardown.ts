/**
 * What to do synchronously if the user insists on exiting at once (a second Ctrl-C): SIGKILL every
 * child, stop PostgreSQL. Nothing the harness started may outlive it.
 */
export const lastResort = new Set<() => void>();

export function runLastResort(): void {
  for (const step of lastResort) {
    try {
      step();
    } catch {
      // Best effort: keep going with the next one.
    }
  }
  lastResort.clear();
}

/** Things to undo, last started first; every step runs even when an earlier one fails. */
export class Teardown {
  readonly #steps: { name: string; run: () => Promise<unknown> | unknown }[] = [];
  readonly errors: string[] = [];

  add(name: string, run: () => Promise<unknown> | unknown): void {
    this.#steps.push({ name, run });
  }

  async run(): Promise<void> {
    while (this.#steps.length > 0) {
      const step = this.#steps.pop();
      if (!step) break;
      try {
        await step.run();
      } catch (error) {
        this.errors.push(`${step.name}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  }
}

/** A sleep that ends early, with an error, when the run is cancelled (Ctrl-C). */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(new CancelledError());
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(new CancelledError());
    };
    const timer = setTimeout(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, ms),
    );
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

export class CancelledError extends Error {
  constructor() {
    super('cancelled');
  }
}
