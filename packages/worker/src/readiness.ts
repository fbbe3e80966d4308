import { type Backend, type OutboxStore, redactText } from '@dispatch/core';

/** One dependency's state as `/readyz` reports it. `reason` never holds credentials. */
export interface DependencyState {
  ok: boolean;
  reason?: string | undefined;
}

export interface Readiness {
  /** The store and every backend answered their health check and no backend is paused. */
  ready: boolean;
  store: DependencyState;
  backends: Record<string, DependencyState>;
}

export interface ReadinessOptions {
  store: Pick<OutboxStore, 'health'>;
  backends: ReadonlyMap<string, Pick<Backend, 'health'>>;
  /** The worker's own view: a backend it has paused after an `unavailable` outcome is not ready. */
  paused: () => ReadonlySet<string>;
  /** Longest wait for one health check. @default 2000 */
  timeoutMs?: number | undefined;
  /** How long an answer is reused, so a probe every second costs one round of checks. @default 1000 */
  cacheMs?: number | undefined;
  now?: (() => number) | undefined;
}

/** The backends a worker has paused, from its `backendStatus()`: what `paused` answers. */
export function pausedBackends(status: Readonly<Record<string, { up: boolean }>>): Set<string> {
  return new Set(
    Object.entries(status)
      .filter(([, backend]) => !backend.up)
      .map(([name]) => name),
  );
}

/**
 * Readiness of a worker's dependencies: the store's and each backend's own health checks, run
 * together with a time limit, plus the worker's paused backends. Answers are reused for `cacheMs`
 * and concurrent callers share one round of checks.
 */
export class ReadinessCheck {
  readonly #options: ReadinessOptions;
  readonly #timeoutMs: number;
  readonly #cacheMs: number;
  readonly #now: () => number;
  #last: { at: number; readiness: Readiness } | undefined;
  #running: Promise<Readiness> | undefined;

  constructor(options: ReadinessOptions) {
    this.#options = options;
    this.#timeoutMs = options.timeoutMs ?? 2000;
    this.#cacheMs = options.cacheMs ?? 1000;
    this.#now = options.now ?? Date.now;
  }

  check(): Promise<Readiness> {
    const last = this.#last;
    if (last && this.#now() - last.at < this.#cacheMs) return Promise.resolve(last.readiness);
    this.#running ??= this.#checkAll().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #checkAll(): Promise<Readiness> {
    const paused = this.#options.paused();
    const entries = [...this.#options.backends];
    const [store, ...backends] = await Promise.all([
      this.#checkOne(() => this.#options.store.health()),
      ...entries.map(async ([name, backend]): Promise<DependencyState> => {
        const state = await this.#checkOne(() => backend.health());
        if (state.ok && paused.has(name)) {
          return {
            ok: false,
            reason: 'paused by the worker after it was unavailable; probing until it is back',
          };
        }
        return state;
      }),
    ]);
    const states = Object.fromEntries(entries.map(([name], i) => [name, backends[i] as DependencyState]));
    const readiness: Readiness = {
      ready: (store as DependencyState).ok && backends.every((state) => state.ok),
      store: store as DependencyState,
      backends: states,
    };
    this.#last = { at: this.#now(), readiness };
    return readiness;
  }

  async #checkOne(
    health: () => Promise<{ ok: boolean; error?: string | undefined }>,
  ): Promise<DependencyState> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timedOut = new Promise<DependencyState>((resolve) => {
      timer = setTimeout(
        () => resolve({ ok: false, reason: `no answer to the health check within ${this.#timeoutMs} ms` }),
        this.#timeoutMs,
      );
    });
    try {
      const answer = health().then(
        (result): DependencyState =>
          result.ok ? { ok: true } : { ok: false, reason: redactText(result.error ?? 'not healthy') },
        (error: unknown): DependencyState => ({
          ok: false,
          reason: redactText((error as Error)?.message ?? String(error)),
        }),
      );
      return await Promise.race([answer, timedOut]);
    } finally {
      clearTimeout(timer);
    }
  }
}
