import { redactText } from '@dispatch/core';
import { confirmPage, readTarget, resolveTarget, runAction } from './actions.js';
import { type Assets, loadAssets } from './assets.js';
import { eventPage } from './event-page.js';
import { eventsPage } from './events-page.js';
import { readListQuery, toFilter } from './filters.js';
import type { SafeHtml } from './html.js';
import { errorPage, type PageContext } from './layout.js';
import { type DashboardOptions, type ResolvedOptions, resolveOptions } from './options.js';
import { overviewPage } from './overview-page.js';
import {
  authenticate,
  CSRF_COOKIE,
  checkCsrf,
  csrfCookie,
  newCsrfToken,
  readCookie,
  SECURITY_HEADERS,
} from './security.js';
import { StatsCache } from './stats-cache.js';

/** A Web-standard request handler; mount it with an adapter or call `fetch` yourself. */
export interface Dashboard {
  fetch(request: Request): Promise<Response>;
  /** The options in effect, defaults filled in. */
  readonly options: Readonly<ResolvedOptions>;
}

const MAX_FORM_BYTES = 1_000_000;
/** How long the overview waits for a fresh count before it shows the last one (or "counting"). */
const STATS_WAIT_MS = 200;

function respond(status: number, body: string, headers: Record<string, string> = {}): Response {
  return new Response(body, {
    status,
    headers: { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8', ...headers },
  });
}

/**
 * Create the dashboard. The counts start at once, in the background (one `stats()` call), so the
 * first overview finds them ready; nothing else is read from the store until the first request.
 */
export function createDashboard(input: DashboardOptions): Dashboard {
  const options = resolveOptions(input);
  const stats = new StatsCache(options.store, options.statsCacheMs);
  stats.warm();
  let assets: Assets | undefined;

  const page = (markup: SafeHtml, status = 200, extra: Record<string, string> = {}) =>
    respond(status, markup.value, { 'content-type': 'text/html; charset=utf-8', ...extra });

  // The events page never waits for counts: publishers come from the options or the last counts.
  const publishers = (): string[] => {
    if (options.publishers) return [...options.publishers];
    return Object.keys(stats.peek()?.byBackend ?? {}).sort();
  };

  async function readForm(request: Request): Promise<URLSearchParams | null> {
    const type = request.headers.get('content-type') ?? '';
    if (!type.startsWith('application/x-www-form-urlencoded')) return null;
    const length = Number(request.headers.get('content-length') ?? 0);
    if (length > MAX_FORM_BYTES) return null;
    const text = await request.text();
    return text.length > MAX_FORM_BYTES ? null : new URLSearchParams(text);
  }

  async function handle(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (
      options.basePath &&
      url.pathname !== options.basePath &&
      !url.pathname.startsWith(`${options.basePath}/`)
    ) {
      return respond(404, 'Not found');
    }
    const path = url.pathname.slice(options.basePath.length) || '/';
    const auth = await authenticate(request, options);
    if (!auth.ok) {
      const headers: Record<string, string> = {};
      if (options.basicAuth) headers['www-authenticate'] = `Basic realm="${options.title}", charset="UTF-8"`;
      else if (options.bearerToken) headers['www-authenticate'] = 'Bearer';
      return respond(auth.status, auth.status === 401 ? 'Authentication required' : 'Forbidden', headers);
    }

    if (request.method === 'GET' && path.startsWith('/assets/')) {
      assets ??= loadAssets();
      const asset = assets.files.get(path.slice('/assets/'.length));
      if (!asset) return respond(404, 'Not found');
      return respond(200, asset.body, {
        'content-type': asset.type,
        'cache-control': 'private, max-age=31536000, immutable',
      });
    }

    assets ??= loadAssets();
    const existing = readCookie(request, CSRF_COOKIE);
    const csrf = existing && /^[\w-]{20,64}$/.test(existing) ? existing : newCsrfToken();
    const setCookie: Record<string, string> =
      csrf === existing
        ? {}
        : { 'set-cookie': csrfCookie(csrf, options.basePath, url.protocol === 'https:') };
    const context: PageContext = {
      basePath: options.basePath,
      title: options.title,
      readOnly: options.readOnly,
      csrf,
      url,
      refreshSeconds: options.refreshSeconds,
      assetVersion: assets.version,
    };

    if (request.method === 'GET' || request.method === 'HEAD') {
      if (path === '/')
        return page(await overviewPage(context, options.store, stats.get(STATS_WAIT_MS)), 200, setCookie);
      if (path === '/events') {
        const query = readListQuery(url.searchParams);
        let list: Awaited<ReturnType<typeof options.store.list>>;
        try {
          list = await options.store.list({
            filter: toFilter(query),
            limit: options.pageSize,
            order: query.order,
            ...(query.after ? { after: query.after } : {}),
          });
        } catch (error) {
          return page(errorPage(context, 'Events', redactText((error as Error).message)), 400, setCookie);
        }
        return page(eventsPage(context, query, list, publishers()), 200, setCookie);
      }
      if (path.startsWith('/events/')) {
        const id = decodeURIComponent(path.slice('/events/'.length));
        const event = id.length > 0 && id.length <= 200 ? await options.store.get(id) : null;
        if (!event)
          return page(errorPage(context, 'No such event', `No event has the id ${id}.`), 404, setCookie);
        return page(eventPage(context, event), 200, setCookie);
      }
      return page(errorPage(context, 'Not found', 'There is no such page.'), 404, setCookie);
    }

    if (request.method !== 'POST') return respond(405, 'Method not allowed', { allow: 'GET, HEAD, POST' });
    if (options.readOnly) return respond(403, 'This dashboard is read-only');
    const form = await readForm(request);
    if (!form) return respond(415, 'Expected a form (application/x-www-form-urlencoded) under 1 MB');
    if (!checkCsrf(request, form)) {
      return respond(403, 'The form token is missing or does not match: reload the page and try again');
    }
    const target = readTarget(form);
    if (!target) return page(errorPage(context, 'Unknown action', 'Choose retry or mark failed.'), 400);
    if (target.filter === null && target.ids.length === 0) {
      return page(errorPage(context, 'Nothing chosen', 'Select at least one event first.'), 400);
    }
    const resolved = await resolveTarget(options.store, target, options.maxBulk);
    if (path === '/actions/confirm') return page(confirmPage(context, target, resolved));
    if (path !== `/actions/${target.action}`) return respond(404, 'Not found');
    const reason = (form.get('reason') ?? '').trim().slice(0, 500) || 'marked failed by an operator';
    const message = await runAction(options, target, resolved, auth.user, reason);
    stats.clear();
    const back =
      target.filter !== null
        ? `/events${target.filter}`
        : target.ids.length === 1
          ? `/events/${encodeURIComponent(target.ids[0] as string)}`
          : '/events';
    const separator = back.includes('?') ? '&' : '?';
    return new Response(null, {
      status: 303,
      headers: {
        ...SECURITY_HEADERS,
        location: `${options.basePath}${back}${separator}done=${encodeURIComponent(message)}`,
      },
    });
  }

  return {
    options,
    async fetch(request) {
      try {
        return await handle(request);
      } catch (error) {
        options.logger.error({ error: (error as Error).message }, 'dashboard: a request failed');
        return respond(500, 'The dashboard could not answer; see the server log');
      }
    },
  };
}
