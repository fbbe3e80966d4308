import { join } from 'node:path';
import type { Dispatch } from '@dispatch/core';
import type { BrowserContext, Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  openBrowser,
  openFixtureDispatch,
  type RunningCommand,
  removeEverything,
  SCREENSHOTS,
  startCommand,
  streamEventIds,
  uniqueNames,
  waitFor,
} from './browser-harness.js';

const XSS_SCRIPT = '<script>window.__xss = 1</script>';
const XSS_ATTRIBUTE = '"><img src=x onerror="window.__xss=2">';
const USER = { username: 'ops', password: 'e2e-password-123' };
const LATER = () => new Date(Date.now() + 86_400_000);

const names = uniqueNames();
const keyA = `${names.stream}-order-A`;
let dispatch: Dispatch;
let dashboard: RunningCommand;
let worker: RunningCommand;
let url: string;
let browser: { context: BrowserContext; close(): Promise<void> };
let page: Page;
const ids = { keyA: [] as string[], failed: '', waiting: '', xss: '' };

/** The trimmed text of the first match, once it is there. */
async function text(locator: Locator): Promise<string> {
  await locator.first().waitFor();
  return ((await locator.first().textContent()) ?? '').trim();
}

const shot = (name: string) => page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });

beforeAll(async () => {
  process.env.DISPATCH_DASHBOARD_USER = USER.username;
  process.env.DISPATCH_DASHBOARD_PASSWORD = USER.password;
  const migrate = startCommand(['migrate']);
  expect(await migrate.stop()).toBe(0);
  dispatch = await openFixtureDispatch();
  const publish = dispatch.publisher;
  for (let n = 0; n < 3; n++) {
    ids.keyA.push(
      (await publish.publishEvent({ eventType: 'order.created', source: 'shop', key: keyA, data: { n } })).id,
    );
  }
  for (let n = 0; n < 4; n++) {
    await publish.publishEvent({
      eventType: 'user.signed-up',
      source: 'accounts',
      key: `other-${n}`,
      data: { n },
    });
  }
  ids.xss = (
    await publish.publishEvent({
      eventType: 'comment.posted',
      source: 'forum',
      subject: XSS_SCRIPT,
      data: { body: XSS_SCRIPT, title: XSS_ATTRIBUTE },
    })
  ).id;
  // Scheduled for tomorrow, so no worker takes them: one to fail now, one to fail from the page.
  ids.failed = (
    await publish.publishEvent({ eventType: 'order.paid', source: 'billing', data: {}, scheduledAt: LATER() })
  ).id;
  ids.waiting = (
    await publish.publishEvent({
      eventType: 'order.refunded',
      source: 'billing',
      data: {},
      scheduledAt: LATER(),
    })
  ).id;
  expect(await dispatch.store.fail([ids.failed], 'rejected by the payment service')).toBe(1);

  worker = startCommand(['worker']);
  await waitFor('the worker to publish the key A events', async () => {
    const stream = await streamEventIds(names.stream);
    return ids.keyA.every((id) => stream.includes(id));
  });
  // The stream entry is written before the store records the event published: wait for the
  // record too (3 key A + 4 other + 1 comment event are due now), or the page can show 0.
  await waitFor('the store to record the due events published', async () => {
    return (await dispatch.store.stats()).counts.published >= 8;
  });
  // Started only now: it counts the outbox once at start and serves that count for a few
  // seconds, so started earlier it could show the count from before the worker published.
  dashboard = startCommand(['dashboard', '--port', '0']);
  url = await waitFor('the dashboard to listen', () => /dashboard on (\S+)/.exec(dashboard.output())?.[1]);
  browser = await openBrowser({ httpCredentials: USER });
  page = await browser.context.newPage();
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await dashboard?.stop();
  await worker?.stop();
  await dispatch?.close();
  await removeEverything(names);
});

describe('the dashboard in Chromium, on PostgreSQL with a worker publishing to Redis', () => {
  it('refuses requests without the credentials', async () => {
    expect((await fetch(url)).status).toBe(401);
    const wrong = Buffer.from(`${USER.username}:nope`).toString('base64');
    expect((await fetch(url, { headers: { authorization: `Basic ${wrong}` } })).status).toBe(401);
  });

  it('shows the overview with counts and the activity chart', async () => {
    await page.goto(url);
    expect(await text(page.locator('h1'))).toBe('Overview');
    expect(await page.locator('.chart svg rect.bar-published').count()).toBeGreaterThan(0);
    expect(await page.locator('.card.status-published .card-value').textContent()).not.toBe('0');
    await shot('overview');
  });

  it('filters to a key, keeps the filter in the URL, and goes back', async () => {
    await page.goto(`${url}events`);
    await shot('events');
    await page.fill('input[name="key"]', keyA);
    await page.click('.filters button[type="submit"]');
    await page.waitForURL((target) => target.searchParams.get('key') === keyA);
    const rows = page.locator('#events tbody tr[data-href]');
    expect(await rows.count()).toBe(3);
    expect(await rows.allInnerTexts()).toEqual(
      expect.arrayContaining([expect.stringContaining('published')]),
    );
    await page.goBack();
    expect(new URL(page.url()).searchParams.get('key')).toBeNull();
    await page.goForward();
    expect(new URL(page.url()).searchParams.get('key')).toBe(keyA);
  });

  it('opens an event from the keyboard and shows its attributes and payload', async () => {
    await page.goto(`${url}events?key=${encodeURIComponent(keyA)}&order=oldest`);
    const first = await page.locator('#events tbody tr[data-href]').first().getAttribute('data-href');
    expect(first).toContain(ids.keyA[0]);
    await page.keyboard.press('j');
    expect(await page.locator('#events tr.selected').getAttribute('data-href')).toBe(first);
    await page.keyboard.press('Enter');
    await page.waitForURL(`**/events/${ids.keyA[0]}`);
    expect(await text(page.locator('.id-line code'))).toBe(ids.keyA[0] as string);
    expect(await page.locator('#payload').textContent()).toContain('"n": 0');
    const created = page.locator('table.attrs time').first();
    expect(await created.getAttribute('title')).toMatch(/UTC$/);
    await shot('event');
  });

  it('renders script and attribute payloads as text', async () => {
    await page.goto(`${url}events/${ids.xss}`);
    expect(await page.evaluate(() => (globalThis as unknown as { __xss?: number }).__xss)).toBeUndefined();
    expect(await page.locator('#payload').textContent()).toContain(XSS_SCRIPT);
    expect(await page.locator('#payload').textContent()).toContain('onerror=');
    expect(await page.locator('img').count()).toBe(0);
  });

  it('refuses an action sent without the CSRF token', async () => {
    await page.goto(`${url}events`);
    const status = await page.evaluate(
      async ([target, id]) =>
        (
          await fetch(target as string, {
            method: 'POST',
            body: new URLSearchParams({ action: 'retry', ids: id as string }),
          })
        ).status,
      [`${url}actions/retry`, ids.failed],
    );
    expect(status).toBe(403);
    expect((await dispatch.store.get(ids.failed))?.status).toBe('failed');
  });

  it('retries a failed event after confirming, and the worker publishes it', async () => {
    await page.goto(`${url}events/${ids.failed}`);
    await page.click('text=Retry this event');
    expect(await text(page.locator('.confirm-count'))).toContain('1 failed event will go back to pending');
    await shot('confirm-retry');
    await page.click('button.danger');
    expect(await text(page.locator('.notice'))).toContain('requeued 1 failed event');
    await waitFor('the retried event to reach the stream', async () =>
      (await streamEventIds(names.stream)).includes(ids.failed),
    );
    await waitFor('the page to show it published', async () => {
      await page.reload();
      return (await page.locator('.id-line .status').textContent()) === 'published';
    });
  });

  it('marks a waiting event failed with a reason', async () => {
    await page.goto(`${url}events/${ids.waiting}`);
    await page.click('text=Mark this event failed');
    expect(await text(page.locator('.confirm-count'))).toContain('1 waiting event will be marked failed');
    await page.fill('input[name="reason"]', 'refund cancelled, INC-7');
    await page.click('button.danger');
    expect(await text(page.locator('.id-line .status'))).toBe('failed');
    expect(await text(page.locator('.error-text'))).toBe('refund cancelled, INC-7');
    const stored = await dispatch.store.get(ids.waiting);
    expect(stored?.status).toBe('failed');
    expect(stored?.lastError).toBe('refund cancelled, INC-7');
  });

  it('is readable on a phone', async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${url}events`);
    const width = await page.evaluate(
      () =>
        (globalThis as unknown as { document: { documentElement: { scrollWidth: number } } }).document
          .documentElement.scrollWidth,
    );
    expect(width).toBeLessThanOrEqual(390);
    await shot('events-phone');
  });
});
