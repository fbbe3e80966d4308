import { v7 as uuidv7 } from 'uuid';
import type { NewEvent, OutboxEvent } from '../event.js';

/**
 * A valid new event for tests; override any field. Ids are fresh UUIDv7s so tests never collide.
 * An override of `publisher` or of its deprecated name `backend` sets both.
 */
export function makeNewEvent(overrides: Partial<NewEvent> = {}): NewEvent {
  const publisher = overrides.publisher ?? overrides.backend ?? 'default';
  return {
    id: uuidv7(),
    specVersion: '1.0',
    eventType: 'test.happened',
    source: 'conformance',
    subject: null,
    dataContentType: 'application/json',
    dataSchema: null,
    data: { n: 1 },
    key: null,
    extensions: {},
    fields: {},
    maxRetries: 3,
    createdAt: new Date(Math.floor(Date.now())),
    scheduledAt: null,
    ...overrides,
    publisher,
    backend: publisher,
  };
}

/** A claimed-looking outbox event for backend tests; override any field. */
export function makeOutboxEvent(overrides: Partial<OutboxEvent> = {}): OutboxEvent {
  const { scheduledAt: _scheduledAt, ...content } = makeNewEvent();
  const publisher = overrides.publisher ?? overrides.backend ?? content.publisher;
  return {
    ...content,
    status: 'processing',
    attempts: 1,
    availableAt: content.createdAt,
    publishedAt: null,
    updatedAt: content.createdAt,
    lastError: null,
    history: [],
    lockedUntil: new Date(Date.now() + 30_000),
    sequence: null,
    ...overrides,
    publisher,
    backend: publisher,
  };
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
