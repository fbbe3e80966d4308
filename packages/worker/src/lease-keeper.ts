import type { Logger, OutboxStore } from '@dispatch/core';

/**
 * Keeps the leases of one claimed batch alive from claim to record, renewing at a third of the
 * lease time so a slow publish never lets another worker take the events over. Events whose
 * lease was lost are remembered: the worker records nothing for them.
 */
export class LeaseKeeper {
  readonly lost = new Set<string>();
  readonly #held: Set<string>;
  readonly #timer: ReturnType<typeof setInterval>;
  #renewing: Promise<void> | undefined;

  constructor(
    private readonly store: OutboxStore,
    private readonly owner: string,
    private readonly leaseMs: number,
    ids: readonly string[],
    private readonly logger: Logger,
  ) {
    this.#held = new Set(ids);
    this.#timer = setInterval(
      () => {
        this.#renewing ??= this.#renew().finally(() => {
          this.#renewing = undefined;
        });
      },
      Math.max(1, Math.floor(leaseMs / 3)),
    );
    this.#timer.unref?.();
  }

  /** Stop renewing (after recording, or to let the leases lapse when abandoning the batch). */
  stop(): void {
    clearInterval(this.#timer);
  }

  async #renew(): Promise<void> {
    const ids = [...this.#held];
    if (ids.length === 0) return;
    try {
      const renewed = new Set(await this.store.renew(this.owner, ids, this.leaseMs));
      const lost = ids.filter((id) => !renewed.has(id));
      for (const id of lost) {
        this.#held.delete(id);
        this.lost.add(id);
      }
      if (lost.length > 0) {
        this.logger.warn(
          { lost: lost.length, eventIds: lost.slice(0, 10) },
          `lost the lease of ${lost.length} events (another worker took them over); their outcomes will not be recorded here`,
        );
      }
    } catch (error) {
      this.logger.warn(
        { err: (error as Error).message },
        'could not renew leases; retrying at the next interval',
      );
    }
  }
}
