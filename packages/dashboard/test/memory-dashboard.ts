import { createStore, type NewEvent, type OutboxStore, silentLogger } from '@dispatch/core';
import { makeNewEvent, memoryStore, recordingLogger } from '@dispatch/core/testing';
import { createDashboard, type Dashboard, type DashboardOptions } from '../src/index.js';

export const XSS_SCRIPT = '<script>window.__xss = 1</script>';
export const XSS_ATTRIBUTE = '"><img src=x onerror="window.__xss=2">';

export interface MemoryDashboard {
  dashboard: Dashboard;
  store: OutboxStore;
  audit: ReturnType<typeof recordingLogger>;
  events: { failed: NewEvent; pending: NewEvent; published: NewEvent; processing: NewEvent; xss: NewEvent };
}

/** A dashboard on a memory store holding one event in each interesting state. */
export async function memoryDashboard(options: Partial<DashboardOptions> = {}): Promise<MemoryDashboard> {
  const store = await createStore(memoryStore, {}, { logger: silentLogger });
  const events = {
    published: makeNewEvent({ eventType: 'order.created', key: 'order-1', source: 'shop' }),
    processing: makeNewEvent({ eventType: 'order.created', key: 'order-2', source: 'shop' }),
    failed: makeNewEvent({ eventType: 'order.paid', key: 'order-1', source: 'billing' }),
    pending: makeNewEvent({ eventType: 'order.shipped', key: 'order-3', publisher: 'audit' }),
    xss: makeNewEvent({
      eventType: XSS_ATTRIBUTE,
      source: XSS_SCRIPT,
      subject: XSS_SCRIPT,
      key: XSS_ATTRIBUTE,
      data: { html: XSS_SCRIPT, attr: XSS_ATTRIBUTE },
    }),
  };
  await store.insert([events.published, events.processing, events.failed], {
    transaction: undefined,
    onCommit: () => {},
  });
  await store.claim({ owner: 'w1', limit: 3, leaseMs: 600_000 });
  await store.record('w1', [
    { id: events.published.id, status: 'published' },
    { id: events.failed.id, status: 'failed', error: `rejected: ${XSS_SCRIPT}` },
  ]);
  await store.insert([events.pending, events.xss], { transaction: undefined, onCommit: () => {} });
  const audit = recordingLogger();
  const dashboard = createDashboard({ store, logger: audit, ...options });
  return { dashboard, store, audit, events };
}

/** GET a dashboard path; returns the answer and its text. */
export async function get(dashboard: Dashboard, path: string, headers: Record<string, string> = {}) {
  const response = await dashboard.fetch(new Request(`http://127.0.0.1${path}`, { headers }));
  return { response, text: await response.text() };
}

/** The CSRF cookie a first GET hands out, and the same token for forms. */
export async function csrfToken(dashboard: Dashboard, headers: Record<string, string> = {}): Promise<string> {
  const { response } = await get(dashboard, `${dashboard.options.basePath}/events`, headers);
  const cookie = response.headers.get('set-cookie') ?? '';
  const match = /dispatch_dashboard_csrf=([^;]+)/.exec(cookie);
  if (!match) throw new Error(`no CSRF cookie in ${cookie}`);
  return match[1] as string;
}

/** POST a form with the cookie (when given) and fields. */
export async function post(
  dashboard: Dashboard,
  path: string,
  fields: [string, string][],
  token: string | null,
  headers: Record<string, string> = {},
) {
  const response = await dashboard.fetch(
    new Request(`http://127.0.0.1${path}`, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-www-form-urlencoded',
        ...(token ? { cookie: `dispatch_dashboard_csrf=${token}` } : {}),
        ...headers,
      },
      body: new URLSearchParams(fields).toString(),
      redirect: 'manual',
    }),
  );
  return { response, text: await response.text() };
}
