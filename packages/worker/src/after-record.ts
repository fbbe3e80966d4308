import type { Hooks, Logger } from '@dispatch/core';
import type { DueAlarm } from './due-alarm.js';
import type { Final, Overtaken } from './key-runs.js';
import type { WorkerMetrics } from './metrics.js';
import type { BatchReport } from './worker-types.js';

/**
 * What follows a recorded batch, for the outcomes the store applied (`applied`): the counts in
 * `report`, metrics, a log line per retry and failure, the `published` / `failed` hooks, and when
 * the events put off are due again (`due`).
 */
export function afterRecord(
  finals: readonly Final[],
  applied: ReadonlySet<string>,
  report: BatchReport,
  { hooks, metrics, logger, due }: { hooks: Hooks; metrics: WorkerMetrics; logger: Logger; due: DueAlarm },
): void {
  const notifyPublished = hooks.has('published');
  const notifyFailed = hooks.has('failed');
  const now = new Date();
  // Published counts are summed per publisher and type first: one metrics update per group, not per event.
  const published = new Map<string, { publisher: string; eventType: string; count: number }>();
  for (const { event, outcome, reason } of finals) {
    if (!applied.has(event.id)) continue;
    switch (outcome.status) {
      case 'published': {
        report.published += 1;
        const group = `${event.publisher}\u0000${event.eventType}`;
        const entry = published.get(group);
        if (entry) entry.count += 1;
        else published.set(group, { publisher: event.publisher, eventType: event.eventType, count: 1 });
        if (notifyPublished)
          void hooks.emit('published', {
            ...event,
            status: 'published',
            publishedAt: now,
            lockedUntil: null,
          });
        break;
      }
      case 'retry':
        report.retried += 1;
        due.note(outcome.delayMs);
        metrics.retried(event.publisher, event.eventType);
        logger.warn(
          {
            eventId: event.id,
            eventType: event.eventType,
            // The log field keeps its name; it holds the publisher.
            backend: event.publisher,
            attempt: event.attempts,
            err: outcome.error,
            retryInMs: outcome.delayMs,
          },
          `publish failed; retrying in ${(outcome.delayMs / 1000).toFixed(1)} s`,
        );
        break;
      case 'failed':
        report.failed += 1;
        metrics.failed(event.publisher, event.eventType, reason ?? 'rejected');
        logger.error(
          {
            eventId: event.id,
            eventType: event.eventType,
            backend: event.publisher,
            attempts: event.attempts,
            err: outcome.error,
          },
          reason === 'exhausted' ? 'event failed: out of retries' : 'event failed: rejected by the backend',
        );
        if (notifyFailed) {
          void hooks.emit('failed', {
            ...event,
            status: 'failed',
            lastError: outcome.error,
            history: [...event.history, { at: now.toISOString(), error: outcome.error }],
            lockedUntil: null,
          });
        }
        break;
      case 'released':
        report.released += 1;
        if (outcome.delayMs !== undefined) due.note(outcome.delayMs);
        metrics.released(event.publisher, outcome.reason ?? 'released');
        break;
    }
  }
  for (const { publisher, eventType, count } of published.values())
    metrics.published(publisher, eventType, count);
}

/** One warning per batch for a backend that went on with a key after an earlier event of it failed. */
export function warnOvertaken(logger: Logger, overtaken: readonly Overtaken[]): void {
  const [first] = overtaken;
  if (!first) return;
  logger.warn(
    { ...first, events: overtaken.length },
    `backend "${first.backend}" did not stop key "${first.key}" at its first failure: it wrote event ${first.publishedId} after event ${first.failedId} failed; recorded as published, ahead of the earlier event`,
  );
}
