import { InvalidArgumentError } from './errors.js';
import type { EventFilter } from './store.js';

/*
 * `backend` is the deprecated name of `publisher` (an event's publisher in OUTBOX_PUBLISHERS),
 * kept for one minor release. Core keeps the two equal at its edges: on what callers give it and
 * on what stores return, so code and stores written against either name keep working.
 */

interface PublisherNamed {
  publisher?: string | undefined;
  backend?: string | undefined;
}

/** Both names of a publisher given to one call, when they name different publishers. */
function conflict(what: string, publisher: string, backend: string): InvalidArgumentError {
  return new InvalidArgumentError(
    `${what} names publisher "${publisher}" and backend "${backend}": backend is the deprecated name of publisher, give only publisher`,
  );
}

/**
 * The publisher a `publishEvent` input asks for: `publisher`, else the deprecated `backend`;
 * undefined when it names none. Both given and different is an `InvalidArgumentError`.
 */
export function requestedPublisher(input: unknown, what = 'publishEvent input'): string | undefined {
  if (typeof input !== 'object' || input === null) return undefined;
  const { publisher, backend } = input as { publisher?: string | null; backend?: string | null };
  if (publisher != null && backend != null && publisher !== backend) throw conflict(what, publisher, backend);
  return publisher ?? backend ?? undefined;
}

/**
 * An event with both names set: a store written before `publisher` returns only `backend`, one
 * written since may leave the deprecated `backend` out. Fills the missing one in place.
 */
export function withPublisherAlias<T extends PublisherNamed>(
  event: T,
): T & { publisher: string; backend: string } {
  if (event.publisher === undefined) event.publisher = event.backend;
  else if (event.backend === undefined) event.backend = event.publisher;
  return event as T & { publisher: string; backend: string };
}

/** Whether an event lacks one of the two names (and so needs `withPublisherAlias`). */
export function lacksPublisherAlias(event: PublisherNamed): boolean {
  return event.publisher === undefined || event.backend === undefined;
}

/**
 * A list filter with both names set to the publisher it asks for, so a store reading either
 * finds it; unchanged when it names none. Both given and different is an `InvalidArgumentError`.
 */
export function filterWithPublisherAlias(filter: EventFilter | undefined): EventFilter | undefined {
  if (filter === undefined || (filter.publisher === undefined && filter.backend === undefined)) return filter;
  const publisher = requestedPublisher(filter, 'list filter');
  return { ...filter, publisher, backend: publisher };
}
