import { createConsoleLogger, InvalidArgumentError, type Logger, type OutboxStore } from '@dispatch/core';

/** What `authorize` answers: allow (true, or the user's name for the audit log) or refuse (false). */
export type AuthorizeResult = boolean | string | { user: string };

export interface DashboardOptions {
  /** The outbox store (`dispatch.store`). Only its public contract is used. */
  store: OutboxStore;
  /** Path the dashboard is mounted under, e.g. `/dispatch`; links and cookies use it. @default '' */
  basePath?: string | undefined;
  /** Publisher names offered in the publisher filter. @default the publishers seen in the counts */
  publishers?: readonly string[] | undefined;
  /** Show everything, change nothing: no retry or fail buttons, and every POST is refused. @default false */
  readOnly?: boolean | undefined;
  /**
   * Decide per request (your session, SSO header, IP...). Return true or a user name to allow,
   * false to refuse with 403. When it is set with `basicAuth` or `bearerToken`, any one that
   * accepts the request lets it in.
   */
  authorize?: ((request: Request) => AuthorizeResult | Promise<AuthorizeResult>) | undefined;
  /** Built-in HTTP basic auth; the browser asks for the password. */
  basicAuth?: { username: string; password: string } | undefined;
  /** Built-in bearer token: requests must send `Authorization: Bearer <token>`. */
  bearerToken?: string | undefined;
  /** Where the audit lines of actions go. @default the console logger at info */
  logger?: Logger | undefined;
  /** Events per list page. @default 50 */
  pageSize?: number | undefined;
  /** The overview refreshes itself this often; 0 turns it off. @default 10 */
  refreshSeconds?: number | undefined;
  /** Counts by status are shared between views for this long, so no view waits on a full count. @default 5000 */
  statsCacheMs?: number | undefined;
  /** The most events one action on a filtered set may touch. @default 10000 */
  maxBulk?: number | undefined;
  /** Shown in the header and the page titles. @default 'Dispatch' */
  title?: string | undefined;
}

export interface ResolvedOptions {
  store: OutboxStore;
  basePath: string;
  publishers: readonly string[] | undefined;
  readOnly: boolean;
  authorize: DashboardOptions['authorize'];
  basicAuth: { username: string; password: string } | undefined;
  bearerToken: string | undefined;
  logger: Logger;
  pageSize: number;
  refreshSeconds: number;
  statsCacheMs: number;
  maxBulk: number;
  title: string;
}

function wholeNumber(name: string, value: number | undefined, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (!Number.isInteger(value) || value < min) {
    throw new InvalidArgumentError(`dashboard option ${name} must be a whole number >= ${min}, got ${value}`);
  }
  return value;
}

/** Defaults filled in and every option checked once, when the dashboard is created. */
export function resolveOptions(options: DashboardOptions): ResolvedOptions {
  if (!options?.store || typeof options.store.list !== 'function') {
    throw new InvalidArgumentError('createDashboard needs { store }: pass dispatch.store');
  }
  const basePath = (options.basePath ?? '').replace(/\/+$/, '');
  if (basePath !== '' && !/^\/[A-Za-z0-9._~\-/]*$/.test(basePath)) {
    throw new InvalidArgumentError(
      `dashboard basePath must start with / and hold only URL path characters, got "${options.basePath}"`,
    );
  }
  const basic = options.basicAuth;
  if (basic && (!basic.username || !basic.password || basic.username.includes(':'))) {
    throw new InvalidArgumentError(
      'dashboard basicAuth needs a non-empty username (without ":") and password',
    );
  }
  if (options.bearerToken !== undefined && options.bearerToken.length < 16) {
    throw new InvalidArgumentError('dashboard bearerToken must be at least 16 characters');
  }
  return {
    store: options.store,
    basePath,
    publishers: options.publishers,
    readOnly: options.readOnly ?? false,
    authorize: options.authorize,
    basicAuth: basic,
    bearerToken: options.bearerToken,
    logger: options.logger ?? createConsoleLogger(),
    pageSize: wholeNumber('pageSize', options.pageSize, 50, 1),
    refreshSeconds: wholeNumber('refreshSeconds', options.refreshSeconds, 10, 0),
    statsCacheMs: wholeNumber('statsCacheMs', options.statsCacheMs, 5000, 0),
    maxBulk: wholeNumber('maxBulk', options.maxBulk, 10_000, 1),
    title: options.title ?? 'Dispatch',
  };
}

/** Whether any way of letting a request in is configured. */
export function hasAuth(options: ResolvedOptions): boolean {
  return (
    options.authorize !== undefined || options.basicAuth !== undefined || options.bearerToken !== undefined
  );
}
