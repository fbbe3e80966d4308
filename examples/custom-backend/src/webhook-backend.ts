import {
  BackendUnavailableError,
  defineBackend,
  EventRejectedError,
  failed,
  fieldsToObject,
  type OutboxEvent,
  PublishFailedError,
  type PublishOutcome,
  published,
  redactUrl,
  wireFields,
} from '@dispatch/core';
import { z } from 'zod';

const options = z.strictObject({
  /** Where each event is POSTed. */
  url: z.url({ error: 'expected an http(s) URL' }),
  /** Extra request headers, e.g. an Authorization header. @default {} */
  headers: z.record(z.string(), z.string()).default({}),
  /** Seconds to wait for one response. @default 5 */
  timeout: z.number().positive().default(5),
  /** Requests in flight at once. @default 8 */
  concurrency: z.number().int().min(1).max(64).default(8),
});

/**
 * The message body: the same fields as a Redis stream entry (core's wire format: event_id,
 * event_type, source, timestamp, cloud_event, extra fields, key, traceparent/tracestate), so one
 * consumer parser fits both.
 */
export function webhookBody(event: OutboxEvent): Record<string, string> {
  return fieldsToObject(wireFields(event));
}

/**
 * fetch() rejects with "fetch failed" and keeps the reason (refused, unknown host, TLS) in `cause`:
 * name both, or the log says nothing useful.
 */
function fetchFailure(error: unknown): string {
  const message = (error as Error).message;
  if ((error as Error).name === 'TimeoutError') return message;
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  if (!cause) return message;
  const reason =
    cause.code && !cause.message?.includes(cause.code) ? `${cause.code}: ${cause.message}` : cause.message;
  return `${message} (${reason})`;
}

/** A webhook backend: one POST per event, with the event id as the Idempotency-Key header. */
export default defineBackend({
  type: 'webhook',
  options,
  // Requests of a batch run in parallel lanes: only one lane keeps the batch's order. The endpoint
  // gets an Idempotency-Key, but whether it honours it is up to the endpoint.
  capabilities: (config) => ({ idempotent: false, preservesBatchOrder: config.concurrency === 1 }),
  create(config) {
    const target = redactUrl(config.url);

    const send = async (event: OutboxEvent, batch: AbortSignal): Promise<PublishOutcome> => {
      let response: Response;
      let body: string;
      try {
        response = await fetch(config.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': event.id, ...config.headers },
          body: JSON.stringify(webhookBody(event)),
          // Per request its own timeout; the batch's signal aborts what is left when core gives
          // up on the batch at PUBLISH_TIMEOUT, so no request outlives it.
          signal: AbortSignal.any([AbortSignal.timeout(config.timeout * 1000), batch]),
        });
        body = await response.text();
      } catch (error) {
        // No answer at all (refused, reset, timed out): the endpoint is down, not the event at fault.
        return failed(
          event.id,
          'unavailable',
          new BackendUnavailableError(`${target}: ${fetchFailure(error)}`, { cause: error }),
        );
      }
      if (response.ok) return published(event.id);
      // The endpoint's own words (a validation message, an error id) are what an operator needs.
      const said = body.trim().replace(/\s+/g, ' ').slice(0, 200);
      const status = `${target} answered ${response.status}${said ? `: ${said}` : ''}`;
      if (response.status === 408 || response.status === 429 || response.status >= 500) {
        return failed(event.id, 'retryable', new PublishFailedError(status));
      }
      // Any other 4xx: this event will never be accepted as it is.
      return failed(event.id, 'rejected', new EventRejectedError(status));
    };

    return {
      async publish(events, call) {
        const outcomes: PublishOutcome[] = new Array(events.length);
        let next = 0;
        const lane = async () => {
          while (next < events.length) {
            const index = next++;
            outcomes[index] = await send(events[index] as OutboxEvent, call.signal);
          }
        };
        await Promise.all(Array.from({ length: Math.min(config.concurrency, events.length) }, lane));
        return outcomes;
      },
      async health(call) {
        try {
          const response = await fetch(config.url, {
            method: 'HEAD',
            signal: AbortSignal.any([AbortSignal.timeout(config.timeout * 1000), call.signal]),
          });
          return { ok: response.status < 500, details: { status: response.status } };
        } catch (error) {
          return { ok: false, error: `${target}: ${fetchFailure(error)}` };
        }
      },
      async close() {},
    };
  },
});
