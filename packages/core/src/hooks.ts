import type { EventContent, OutboxEvent } from './event.js';
import type { Logger } from './logger.js';

/** The moments an application can react to, each after the fact is durable. */
export interface HookEvents {
  /** The transaction that wrote the event committed. */
  created: EventContent;
  /** A worker recorded the event as published. */
  published: OutboxEvent;
  /** A worker recorded the event as failed for good. */
  failed: OutboxEvent;
}

export type HookName = keyof HookEvents;
export type HookHandler<N extends HookName> = (event: HookEvents[N]) => void | Promise<void>;
export type EventHandler = (event: EventContent) => void | Promise<void>;

/**
 * After-commit hooks and the per-type handler registry (`OUTBOX_HANDLERS`). Handlers run
 * only after the write they describe committed, never for a rolled-back transaction; an error in a
 * handler is logged with the event id, never swallowed and never allowed to undo the write.
 */
export class Hooks {
  readonly #handlers = new Map<HookName, Set<HookHandler<HookName>>>();
  readonly #registry = new Map<string, Set<EventHandler>>();
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Run `handler` at `name`; returns a function that removes it. */
  on<N extends HookName>(name: N, handler: HookHandler<N>): () => void {
    let set = this.#handlers.get(name);
    if (!set) {
      set = new Set();
      this.#handlers.set(name, set);
    }
    set.add(handler as HookHandler<HookName>);
    return () => set.delete(handler as HookHandler<HookName>);
  }

  /** Run `handler` after an event of `eventType` is committed. */
  register(eventType: string, handler: EventHandler): () => void {
    let set = this.#registry.get(eventType);
    if (!set) {
      set = new Set();
      this.#registry.set(eventType, set);
    }
    set.add(handler);
    return () => set.delete(handler);
  }

  /** Whether anything listens for `name` (lets hot paths skip work). */
  has(name: HookName): boolean {
    return (this.#handlers.get(name)?.size ?? 0) > 0 || (name === 'created' && this.#registry.size > 0);
  }

  /** Run every handler for `name`; resolves when all settled. Errors are logged, not thrown. */
  async emit<N extends HookName>(name: N, event: HookEvents[N]): Promise<void> {
    const handlers: ((event: never) => void | Promise<void>)[] = [...(this.#handlers.get(name) ?? [])];
    if (name === 'created') handlers.push(...(this.#registry.get(event.eventType) ?? []));
    if (handlers.length === 0) return;
    await Promise.all(
      handlers.map(async (handler) => {
        try {
          await (handler as (event: HookEvents[N]) => void | Promise<void>)(event);
        } catch (error) {
          this.#logger.error(
            { hook: name, eventId: event.id, eventType: event.eventType, err: error },
            `${name} handler failed: ${(error as Error)?.message ?? String(error)}`,
          );
        }
      }),
    );
  }
}
