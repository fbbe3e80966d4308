import type { OutboxEvent, OutcomeRecord, PublishOutcome } from '@dispatch/core';

/**
 * Ordering keys within one claimed batch. A store may hand one worker a run of a key (its earliest
 * non-final event and the due events after it); these functions keep that run in order: nothing of
 * a key is published after an earlier event of it in the batch was held back or failed.
 */

/** The outcome to record for one event, and why it failed when it did. */
export interface Final {
  event: OutboxEvent;
  outcome: OutcomeRecord;
  reason?: 'rejected' | 'exhausted';
}

/** A later event of a key that the backend wrote although an earlier one of the key failed. */
export interface Overtaken {
  /** The events' publisher, under the log field name it has always had. */
  backend: string;
  key: string;
  failedId: string;
  publishedId: string;
}

export const KEY_HELD = 'an earlier event of its key was not published';
export const KEY_ON_OTHER_PUBLISHER = 'an earlier event of its key goes to another publisher in this batch';

const release = (event: OutboxEvent, reason: string): Final => ({
  event,
  outcome: { id: event.id, status: 'released', reason },
});

/**
 * The batch in sequence order. Stores return it so; check in one pass and sort only if not. A batch
 * with an event the store gave no sequence keeps the store's order (there is nothing to sort by).
 */
export function inSequence(events: readonly OutboxEvent[]): readonly OutboxEvent[] {
  let sorted = true;
  for (let index = 0; index < events.length; index += 1) {
    const sequence = (events[index] as OutboxEvent).sequence;
    if (sequence === null) return events;
    if (index > 0 && sequence < ((events[index - 1] as OutboxEvent).sequence as number)) sorted = false;
  }
  if (sorted) return events;
  return [...events].sort((a, b) => (a.sequence as number) - (b.sequence as number));
}

/**
 * Split a batch in sequence order into one group per backend to publish (each in sequence order)
 * and the outcomes settled without publishing. `check` settles an event that cannot be published
 * now (out of attempts: `failed`; backend missing or paused: `released`) and returns undefined
 * otherwise. Once an event of a key is held back, the rest of that key in the batch is released
 * unpublished. So is an event whose backend differs from the key's first one here: groups publish
 * in parallel, so two backends could not keep the key's order. `failed` is final and holds nothing.
 */
export function planBatch(
  events: readonly OutboxEvent[],
  check: (event: OutboxEvent) => Final | undefined,
): { groups: Map<string, OutboxEvent[]>; finals: Final[] } {
  const groups = new Map<string, OutboxEvent[]>();
  const finals: Final[] = [];
  const held = new Set<string>();
  const keyPublisher = new Map<string, string>();
  for (const event of events) {
    const { key } = event;
    const settled = check(event);
    if (settled?.outcome.status === 'failed') {
      finals.push(settled);
      continue;
    }
    if (key !== null && held.has(key)) {
      finals.push(release(event, KEY_HELD));
      continue;
    }
    if (settled) {
      finals.push(settled);
      if (key !== null) held.add(key);
      continue;
    }
    if (key !== null) {
      const publisher = keyPublisher.get(key);
      if (publisher === undefined) keyPublisher.set(key, event.publisher);
      else if (publisher !== event.publisher) {
        finals.push(release(event, KEY_ON_OTHER_PUBLISHER));
        held.add(key);
        continue;
      }
    }
    const group = groups.get(event.publisher) ?? [];
    group.push(event);
    groups.set(event.publisher, group);
  }
  return { groups, finals };
}

/**
 * Outcomes for published groups. `results` holds every key's events in sequence order (the groups
 * one after another will do: a key is in one group only). A key's first event that did not publish
 * is settled by `decide` (retry, failed, released); later ones of the key that did not publish
 * either are released without using an attempt, so the key waits for that event's retry. A later
 * one the backend wrote anyway is recorded published (releasing it would only publish it twice)
 * and, unless the earlier failure is final, reported in `overtaken`: the key's order broke.
 */
export function settleRuns(
  results: readonly { event: OutboxEvent; outcome: PublishOutcome | undefined }[],
  decide: (event: OutboxEvent, outcome: PublishOutcome | undefined) => Final,
): { finals: Final[]; overtaken: Overtaken[] } {
  const finals: Final[] = [];
  const overtaken: Overtaken[] = [];
  const firstFailure = new Map<string, Final>();
  for (const { event, outcome } of results) {
    const failure = event.key === null ? undefined : firstFailure.get(event.key);
    if (failure === undefined) {
      const final = decide(event, outcome);
      if (event.key !== null && final.outcome.status !== 'published') firstFailure.set(event.key, final);
      finals.push(final);
    } else if (outcome?.ok) {
      finals.push(decide(event, outcome));
      if (failure.outcome.status !== 'failed') {
        overtaken.push({
          backend: event.publisher,
          key: event.key as string,
          failedId: failure.event.id,
          publishedId: event.id,
        });
      }
    } else {
      finals.push(release(event, KEY_HELD));
    }
  }
  return { finals, overtaken };
}

/**
 * Publish a group (in sequence order) so that each key's events are written in order. A backend
 * that keeps a batch's order gets it in one call. One that does not (`preservesBatchOrder: false`)
 * gets it in waves: the n-th event of every key in the n-th call (unkeyed events all in the
 * first), and none of a key after one of it failed. Outcomes line up with `group`; an event left
 * unsent has none (`settleRuns` releases it: the key waits for the retry).
 */
export async function publishInKeyOrder(
  group: readonly OutboxEvent[],
  capabilities: { preservesBatchOrder: boolean },
  publish: (events: readonly OutboxEvent[]) => Promise<PublishOutcome[]>,
): Promise<(PublishOutcome | undefined)[]> {
  if (capabilities.preservesBatchOrder || group.every((event) => event.key === null)) return publish(group);
  const waves: number[][] = [];
  const depth = new Map<string, number>();
  group.forEach((event, index) => {
    const wave = event.key === null ? 0 : (depth.get(event.key) ?? 0);
    if (event.key !== null) depth.set(event.key, wave + 1);
    const members = waves[wave] ?? [];
    members.push(index);
    waves[wave] = members;
  });
  const outcomes: (PublishOutcome | undefined)[] = new Array(group.length).fill(undefined);
  const stopped = new Set<string>();
  for (const wave of waves) {
    const send = wave.filter((index) => {
      const key = (group[index] as OutboxEvent).key;
      return key === null || !stopped.has(key);
    });
    if (send.length === 0) continue;
    const results = await publish(send.map((index) => group[index] as OutboxEvent));
    send.forEach((index, n) => {
      const outcome = results[n];
      outcomes[index] = outcome;
      const key = (group[index] as OutboxEvent).key;
      if (key !== null && !outcome?.ok) stopped.add(key);
    });
  }
  return outcomes;
}
