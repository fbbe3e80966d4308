import { DEFAULT_STORE_TIMEOUT } from './config.js';
import { ClosedError, ConfigError, InvalidArgumentError } from './errors.js';
import type { Logger } from './logger.js';
import { filterWithPublisherAlias, lacksPublisherAlias, withPublisherAlias } from './publisher-alias.js';
import { redactText } from './redact.js';
import { validateWith } from './schema-issues.js';
import {
  type ClaimRequest,
  type MigrateResult,
  type OutboxStore,
  type StoreDefinition,
  type StoreDriver,
  storeCapabilities,
} from './store.js';
import { type CallContext, withDeadline } from './timeout.js';
import { unreachableStore } from './unreachable.js';

export interface CreateStoreOptions {
  logger: Logger;
  configDir?: string | undefined;
  /**
   * Longest one store call (all but `insert` and `migrate`) may take, connecting included, in ms;
   * 0: no limit. @default 30_000
   */
  timeoutMs?: number | undefined;
}

/** Most buckets one activity report may have (a day by the minute). */
const MAX_ACTIVITY_BUCKETS = 1440;

function requireInteger(what: string, value: unknown, min: number): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new InvalidArgumentError(`${what} must be a whole number >= ${min}, got ${String(value)}`);
  }
}

function requireIds(what: string, ids: unknown): void {
  if (!Array.isArray(ids) || ids.some((id) => typeof id !== 'string' || id.length === 0)) {
    throw new InvalidArgumentError(`${what} expects an array of event ids`);
  }
}

function checkClaim(request: ClaimRequest): void {
  if (typeof request?.owner !== 'string' || request.owner.length === 0) {
    throw new InvalidArgumentError('claim needs an owner token (a non-empty string unique to the worker)');
  }
  requireInteger('claim limit', request.limit, 1);
  requireInteger('claim leaseMs', request.leaseMs, 1);
  if (request.continueRuns !== undefined && typeof request.continueRuns !== 'boolean') {
    throw new InvalidArgumentError(
      `claim continueRuns must be true or false, got ${JSON.stringify(request.continueRuns)}`,
    );
  }
}

/**
 * Wrap a store definition: options validated up front, the driver created and connected once on
 * first use (again after a failed connect), arguments checked, a deadline on every call but
 * `insert` and `migrate` (a database that stopped answering, e.g. behind a half-open connection,
 * fails the call instead of hanging the worker), no use after close, calls in flight finished
 * before the driver closes, and credentials masked in health answers. Events going in and coming
 * out carry both `publisher` and its deprecated name `backend`, whichever one the store knows.
 */
export async function createStore<O>(
  definition: StoreDefinition<O>,
  rawOptions: unknown,
  options: CreateStoreOptions,
): Promise<OutboxStore> {
  let validated = (rawOptions ?? {}) as O;
  if (definition.options) {
    const result = await validateWith(definition.options, rawOptions ?? {}, 'OUTBOX_STORE.OPTIONS');
    if (!result.ok) throw new ConfigError(result.issues);
    validated = result.value;
  }
  const label = `Outbox store (${definition.type})`;
  const context = { logger: options.logger, configDir: options.configDir ?? process.cwd() };
  let created: Promise<StoreDriver> | undefined;
  let connected: Promise<StoreDriver> | undefined;
  let closing: Promise<void> | undefined;
  let closed = false;
  const timeoutMs = options.timeoutMs ?? DEFAULT_STORE_TIMEOUT * 1000;
  // Calls in flight: close() waits for them (each for its deadline at most), so a record or claim
  // is never cut off mid-write.
  const inFlight = new Set<Promise<unknown>>();
  const inFlightCall = <T>(running: Promise<T>): Promise<T> => {
    inFlight.add(running);
    const done = () => inFlight.delete(running);
    running.then(done, done);
    return running;
  };
  /** Run `work` on the connected driver within the deadline; `caller` is the caller's own call, if any. */
  const call = <T>(
    what: string,
    caller: CallContext | undefined,
    work: (driver: StoreDriver, call: CallContext) => Promise<T>,
  ): Promise<T> => {
    if (closed) return Promise.reject(new ClosedError(label));
    return inFlightCall(
      withDeadline(
        async (deadline) => work(await ready(), deadline),
        timeoutMs,
        `${label} ${what}`,
        caller?.signal,
      ),
    );
  };

  // Creating the driver does no I/O; connecting checks the schema, which `migrate` must skip.
  const instance = (): Promise<StoreDriver> => {
    if (closed) return Promise.reject(new ClosedError(label));
    if (!created) {
      created = Promise.resolve(definition.create(validated, context));
      created.catch(() => {
        created = undefined;
      });
    }
    return created;
  };
  const ready = (): Promise<StoreDriver> => {
    if (closed) return Promise.reject(new ClosedError(label));
    if (!connected) {
      connected = instance().then(async (driver) => {
        try {
          await driver.connect?.();
        } catch (error) {
          throw unreachableStore(error, label) ?? error;
        }
        return driver;
      });
      connected.catch(() => {
        connected = undefined;
      });
    }
    return connected;
  };

  return {
    type: definition.type,
    capabilities: storeCapabilities(definition, validated),
    async migrate() {
      const driver = await instance();
      let result: MigrateResult;
      try {
        result = driver.migrate ? ((await driver.migrate()) ?? { outcome: 'done' }) : { outcome: 'none' };
      } catch (error) {
        throw unreachableStore(error, label) ?? error;
      }
      connected = undefined;
      return result;
    },
    async insert(events, insertContext) {
      if (!Array.isArray(events)) throw new InvalidArgumentError('insert expects an array of events');
      if (events.length === 0) {
        insertContext.onCommit();
        return;
      }
      if (closed) throw new ClosedError(label);
      // Events built outside `publishEvent` may carry one name of the publisher: a store reads either.
      const complete = events.some(lacksPublisherAlias)
        ? events.map((event) => withPublisherAlias({ ...event }))
        : events;
      return inFlightCall((async () => (await ready()).insert(complete, insertContext))());
    },
    async claim(request, caller) {
      checkClaim(request);
      const events = await call('claim', caller, (driver, deadline) => driver.claim(request, deadline));
      return events.map(withPublisherAlias);
    },
    async renew(owner, ids, leaseMs, caller) {
      requireIds('renew', ids);
      requireInteger('renew leaseMs', leaseMs, 1);
      if (ids.length === 0) return [];
      return call('renew', caller, (driver, deadline) => driver.renew(owner, ids, leaseMs, deadline));
    },
    async record(owner, outcomes, caller) {
      if (!Array.isArray(outcomes)) throw new InvalidArgumentError('record expects an array of outcomes');
      if (outcomes.length === 0) return { applied: [], lost: [] };
      for (const outcome of outcomes) {
        if ((outcome.status === 'retry' || outcome.status === 'released') && outcome.delayMs !== undefined) {
          if (!Number.isFinite(outcome.delayMs) || outcome.delayMs < 0) {
            throw new InvalidArgumentError(`outcome for ${outcome.id}: delayMs must be a finite number >= 0`);
          }
        }
      }
      return call('record', caller, (driver, deadline) => driver.record(owner, outcomes, deadline));
    },
    async cleanup(request, caller) {
      requireInteger('cleanup limit', request.limit, 1);
      if (!Number.isFinite(request.olderThanMs) || request.olderThanMs < 0) {
        throw new InvalidArgumentError('cleanup olderThanMs must be a finite number >= 0');
      }
      return call('cleanup', caller, (driver, deadline) => driver.cleanup(request, deadline));
    },
    async list(request, caller) {
      if (request.limit !== undefined) requireInteger('list limit', request.limit, 1);
      if (request.order !== undefined && request.order !== 'newest' && request.order !== 'oldest') {
        throw new InvalidArgumentError(
          `list order must be 'newest' or 'oldest', got ${JSON.stringify(request.order)}`,
        );
      }
      const filtered = { ...request, filter: filterWithPublisherAlias(request.filter) };
      const page = await call('list', caller, (driver, deadline) => driver.list(filtered, deadline));
      for (const event of page.events) withPublisherAlias(event);
      return page;
    },
    async get(id, caller) {
      const event = await call('get', caller, (driver, deadline) => driver.get(id, deadline));
      return event && withPublisherAlias(event);
    },
    async requeue(ids, caller) {
      requireIds('requeue', ids);
      if (ids.length === 0) return 0;
      return call('requeue', caller, (driver, deadline) => driver.requeue(ids, deadline));
    },
    async fail(ids, reason, caller) {
      requireIds('fail', ids);
      if (ids.length === 0) return 0;
      return call('fail', caller, (driver, deadline) => driver.fail(ids, reason, deadline));
    },
    async stats(caller) {
      return call('stats', caller, (driver, deadline) => driver.stats(deadline));
    },
    async activity(request, caller) {
      requireInteger('activity bucketMs', request?.bucketMs, 1000);
      requireInteger('activity windowMs', request.windowMs, request.bucketMs);
      if (Math.ceil(request.windowMs / request.bucketMs) > MAX_ACTIVITY_BUCKETS) {
        throw new InvalidArgumentError(
          `activity asks for more than ${MAX_ACTIVITY_BUCKETS} buckets: widen bucketMs or shorten windowMs`,
        );
      }
      return call('activity', caller, (driver, deadline) => driver.activity(request, deadline));
    },
    async health(caller) {
      if (closed) return { ok: false, error: `${label} is closed` };
      // Health answers end up in probes and logs: credentials are masked, as for backends.
      try {
        const result = await call('health check', caller, (driver, deadline) => driver.health(deadline));
        return result.error === undefined ? result : { ...result, error: redactText(result.error) };
      } catch (error) {
        return { ok: false, error: redactText((error as Error)?.message ?? String(error)) };
      }
    },
    async subscribe(listener) {
      const driver = await ready();
      if (!driver.subscribe) return async () => {};
      return driver.subscribe(listener);
    },
    close() {
      if (!closing) {
        closed = true;
        closing = (async () => {
          await Promise.allSettled([...inFlight]);
          const current = created;
          created = undefined;
          connected = undefined;
          const driver = await current?.catch(() => undefined);
          await driver?.close();
        })();
      }
      return closing;
    },
  };
}
