import {
  type Dispatch,
  EVENT_STATUSES,
  type EventFilter,
  type EventStatus,
  type OutboxEvent,
} from '@dispatch/core';
import { withDispatch } from '../cli-context.js';
import { CliFailure, type CliIo } from '../cli-io.js';
import { paintFor, statusTone, table, toJson, truncate } from '../format.js';

export interface EventFilterFlags {
  status?: string | undefined;
  type?: string | undefined;
  source?: string | undefined;
  key?: string | undefined;
  publisher?: string | undefined;
  /** @deprecated `--backend`, the former name of `--publisher`; hidden from the help. */
  backend?: string | undefined;
  since?: string | undefined;
  until?: string | undefined;
  search?: string | undefined;
}

interface Common {
  config?: string | undefined;
}

const DURATION = /^(\d+(?:\.\d+)?)\s*(s|m|h|d|w)$/;
const UNIT_MS: Record<string, number> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** An absolute time (ISO 8601) or an age back from now (`30m`, `2h`, `7d`). */
export function parseTime(flag: string, value: string, now = Date.now()): Date {
  const relative = DURATION.exec(value.trim());
  if (relative) return new Date(now - Number(relative[1]) * (UNIT_MS[relative[2] as string] ?? 0));
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) {
    throw new CliFailure(
      `${flag} "${value}" is neither a date (2026-03-01, 2026-03-01T12:00:00Z) nor an age (30m, 2h, 7d)`,
    );
  }
  return date;
}

/** The store filter the flags describe. */
export function toFilter(flags: EventFilterFlags): EventFilter {
  const filter: EventFilter = {};
  if (flags.status !== undefined) {
    const statuses = flags.status
      .split(',')
      .map((status) => status.trim())
      .filter(Boolean);
    const wrong = statuses.filter((status) => !EVENT_STATUSES.includes(status as EventStatus));
    if (wrong.length > 0 || statuses.length === 0) {
      throw new CliFailure(
        `--status "${flags.status}": use one or more of ${EVENT_STATUSES.join(', ')} (comma-separated)`,
      );
    }
    filter.status = statuses as EventStatus[];
  }
  if (flags.type !== undefined) filter.eventType = flags.type;
  if (flags.source !== undefined) filter.source = flags.source;
  if (flags.key !== undefined) filter.key = flags.key;
  if (flags.publisher !== undefined && flags.backend !== undefined && flags.publisher !== flags.backend) {
    throw new CliFailure(
      `--publisher "${flags.publisher}" and --backend "${flags.backend}" differ: --backend is the former name of --publisher, give only --publisher`,
    );
  }
  const publisher = flags.publisher ?? flags.backend;
  if (publisher !== undefined) filter.publisher = publisher;
  if (flags.search !== undefined) filter.search = flags.search;
  if (flags.since !== undefined) filter.since = parseTime('--since', flags.since);
  if (flags.until !== undefined) filter.until = parseTime('--until', flags.until);
  return filter;
}

/** `dispatch events list`: newest first, filtered. */
export async function eventsListCommand(
  options: Common &
    EventFilterFlags & {
      limit?: number | undefined;
      json?: boolean | undefined;
      after?: string | undefined;
      oldest?: boolean | undefined;
    },
  io: CliIo,
): Promise<number> {
  const filter = toFilter(options);
  return withDispatch({ cwd: io.cwd, config: options.config, logLevel: 'warn' }, async (dispatch) => {
    const page = await dispatch.store.list({
      filter,
      limit: options.limit ?? 50,
      after: options.after,
      order: options.oldest ? 'oldest' : 'newest',
    });
    if (options.json) {
      // Each event carries `publisher` and, until it is removed, the same value as `backend`, so
      // scripts that read `.backend` from this output keep working meanwhile.
      io.stdout.write(toJson(page));
      return 0;
    }
    if (page.events.length === 0) {
      io.stdout.write('no events match\n');
      return 0;
    }
    const rows = page.events.map((event) => [
      event.id,
      event.status,
      event.eventType,
      event.source,
      event.publisher,
      String(event.attempts),
      event.createdAt.toISOString(),
      // The id is in the first column already; errors that name it would repeat it.
      truncate(
        (event.lastError ?? '').replaceAll(`event ${event.id}`, 'the event').replaceAll(event.id, '…'),
        60,
      ),
    ]);
    io.stdout.write(
      table(
        ['ID', 'STATUS', 'TYPE', 'SOURCE', 'PUBLISHER', 'ATTEMPTS', 'CREATED', 'LAST ERROR'],
        rows,
        (cell, column) => (column === 1 ? statusTone(cell) : column === 7 && cell !== '' ? 'dim' : undefined),
        paintFor(io.stdout),
      ),
    );
    if (page.next)
      io.stdout.write(`(more: the next page is --after ${page.next}, or narrow with --since/--status)\n`);
    return 0;
  });
}

/** `dispatch events show <id>`: one event, in full. */
export async function eventsShowCommand(
  id: string,
  options: Common & { json?: boolean | undefined },
  io: CliIo,
): Promise<number> {
  return withDispatch({ cwd: io.cwd, config: options.config, logLevel: 'warn' }, async (dispatch) => {
    const event = await dispatch.store.get(id);
    if (!event) throw new CliFailure(`no event with id ${id}`);
    if (options.json) {
      // `backend` is there too, as in `events list --json`.
      io.stdout.write(toJson(event));
      return 0;
    }
    io.stdout.write(describeEvent(event));
    return 0;
  });
}

function describeEvent(event: OutboxEvent): string {
  const date = (value: Date | null) => (value ? value.toISOString() : '-');
  const lines = [
    `id:           ${event.id}`,
    `status:       ${event.status}`,
    `type:         ${event.eventType}`,
    `source:       ${event.source}`,
    `subject:      ${event.subject ?? '-'}`,
    `publisher:    ${event.publisher}`,
    `key:          ${event.key ?? '-'}`,
    `attempts:     ${event.attempts} (max retries ${event.maxRetries})`,
    `created:      ${date(event.createdAt)}`,
    `available:    ${date(event.availableAt)}`,
    `published:    ${date(event.publishedAt)}`,
    `updated:      ${date(event.updatedAt)}`,
    `locked until: ${date(event.lockedUntil)}`,
    `last error:   ${event.lastError ?? '-'}`,
  ];
  if (event.history.length > 0) {
    lines.push('history:');
    for (const attempt of event.history) lines.push(`  ${attempt.at}  ${attempt.error}`);
  }
  if (Object.keys(event.extensions).length > 0)
    lines.push(`extensions:   ${JSON.stringify(event.extensions)}`);
  if (Object.keys(event.fields).length > 0) lines.push(`fields:       ${JSON.stringify(event.fields)}`);
  lines.push(`data:         ${JSON.stringify(event.data)}`);
  return `${lines.join('\n')}\n`;
}

/** Ids matching `filter` (all pages). */
async function allIds(dispatch: Dispatch, filter: EventFilter): Promise<string[]> {
  const ids: string[] = [];
  let after: string | undefined;
  do {
    const page = await dispatch.store.list({ filter, limit: 500, after });
    ids.push(...page.events.map((event) => event.id));
    after = page.next ?? undefined;
  } while (after !== undefined);
  return ids;
}

/** Split explicit ids into those in an allowed status and problems naming why the rest are not. */
async function sortIds(
  dispatch: Dispatch,
  ids: readonly string[],
  allowed: readonly EventStatus[],
  why: (status: EventStatus) => string,
): Promise<{ ok: string[]; problems: string[] }> {
  const ok: string[] = [];
  const problems: string[] = [];
  for (const id of new Set(ids)) {
    const event = await dispatch.store.get(id);
    if (!event) problems.push(`${id}: no such event`);
    else if (!allowed.includes(event.status)) problems.push(`${id}: ${why(event.status)}`);
    else ok.push(id);
  }
  return { ok, problems };
}

function reportProblems(io: CliIo, problems: string[]): number {
  for (const problem of problems) io.stderr.write(`${problem}\n`);
  return problems.length > 0 ? 1 : 0;
}

/** `dispatch events retry <id...> | --failed [filters]`: put failed events back to pending. */
export async function eventsRetryCommand(
  ids: string[],
  options: Common &
    EventFilterFlags & {
      failed?: boolean | undefined;
      yes?: boolean | undefined;
      dryRun?: boolean | undefined;
    },
  io: CliIo,
): Promise<number> {
  if (options.dryRun && !options.failed) throw new CliFailure('--dry-run goes with --failed [filters]');
  if (ids.length > 0 && options.failed)
    throw new CliFailure('give event ids or --failed [filters], not both');
  if (ids.length === 0 && !options.failed) {
    throw new CliFailure(
      'nothing to retry: give event ids, or --failed to retry every failed event (narrow it with filters)',
    );
  }
  if (options.status !== undefined)
    throw new CliFailure('--status does not apply: only failed events can be retried');
  const filter = { ...toFilter(options), status: ['failed'] as EventStatus[] };
  return withDispatch({ cwd: io.cwd, config: options.config, logLevel: 'warn' }, async (dispatch) => {
    let chosen: string[];
    let problems: string[] = [];
    if (options.failed) chosen = await allIds(dispatch, filter);
    else {
      ({ ok: chosen, problems } = await sortIds(dispatch, ids, ['failed'], (status) =>
        status === 'processing'
          ? 'is being published by a worker right now; if that worker died, its lease expiry recovers it'
          : `is ${status}; only failed events can be retried`,
      ));
    }
    if (options.failed) {
      const count = `${chosen.length} failed event${chosen.length === 1 ? '' : 's'}`;
      if (chosen.length === 0) {
        io.stdout.write('no failed events match\n');
        return 0;
      }
      if (options.dryRun) {
        io.stdout.write(`would requeue ${count}:\n${chosen.map((id) => `  ${id}\n`).join('')}`);
        return 0;
      }
      // A filter can match far more than its author thought: say how many, and ask.
      if (!options.yes) {
        if (!io.ask) {
          throw new CliFailure(
            `${count} match; pass --yes to requeue them (no terminal to ask on), or --dry-run to list them`,
          );
        }
        if (!(await io.ask(`requeue ${count}? [y/N] `))) {
          io.stderr.write('nothing requeued\n');
          return 1;
        }
      }
    }
    let requeued = 0;
    for (let start = 0; start < chosen.length; start += 500) {
      requeued += await dispatch.store.requeue(chosen.slice(start, start + 500));
    }
    io.stdout.write(`requeued ${requeued} failed event${requeued === 1 ? '' : 's'}\n`);
    return reportProblems(io, problems);
  });
}

/** `dispatch events fail <id...>`: mark pending/retry events failed (never in-flight or published ones). */
export async function eventsFailCommand(
  ids: string[],
  options: Common & { reason?: string | undefined },
  io: CliIo,
): Promise<number> {
  if (ids.length === 0) throw new CliFailure('give the ids of the events to mark failed');
  const reason = options.reason ?? 'marked failed by an operator';
  return withDispatch({ cwd: io.cwd, config: options.config, logLevel: 'warn' }, async (dispatch) => {
    const { ok, problems } = await sortIds(dispatch, ids, ['pending', 'retry'], (status) =>
      status === 'processing'
        ? 'is being published by a worker right now; it cannot be marked failed'
        : `is ${status}; only pending events (pending or retry) can be marked failed`,
    );
    const failed = ok.length > 0 ? await dispatch.store.fail(ok, reason) : 0;
    io.stdout.write(`marked ${failed} event${failed === 1 ? '' : 's'} failed\n`);
    return reportProblems(io, problems);
  });
}
