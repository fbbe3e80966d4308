import { describe, expect, it } from 'vitest';
import { csrfToken, get, memoryDashboard, post, XSS_ATTRIBUTE, XSS_SCRIPT } from './memory-dashboard.js';

describe('pages', () => {
  it('renders the overview with counts, publishers, the chart and a strict CSP', async () => {
    const { dashboard } = await memoryDashboard();
    const { response, text } = await get(dashboard, '/');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(response.headers.get('content-security-policy')).not.toContain('unsafe-inline');
    expect(response.headers.get('x-frame-options')).toBe('DENY');
    expect(text).toContain('<svg');
    expect(text).toMatch(/backlog<\/div><div class="card-value"><a [^>]*>3</);
    expect(text).toContain('>audit</a>');
    expect((await get(dashboard, '/?range=24h')).text).toContain('per 10 minutes, last day');
  });

  it('lists events filtered by key, oldest first, in cursor pages that keep the filters', async () => {
    const { dashboard, events } = await memoryDashboard({ pageSize: 1 });
    const first = await get(dashboard, '/events?key=order-1&order=oldest');
    expect(first.text).toContain(events.published.id);
    expect(first.text).not.toContain(events.failed.id);
    const next = /href="([^"]*after=[^"]*)"/.exec(first.text)?.[1]?.replaceAll('&amp;', '&');
    expect(next).toContain('key=order-1');
    const second = await get(dashboard, next!);
    expect(second.text).toContain(events.failed.id);
    expect(second.text).toContain('Last page');
  });

  it('shows every attribute of an event, its error history and its CloudEvent', async () => {
    const { dashboard, events } = await memoryDashboard();
    const { text } = await get(dashboard, `/events/${events.failed.id}`);
    for (const part of [
      'order.paid',
      'billing',
      'order-1',
      'max retries 3',
      'CloudEvent',
      '&quot;specversion&quot;',
    ]) {
      expect(text).toContain(part);
    }
    expect(text).toContain('rejected: &lt;script&gt;');
    expect(text).toContain('Retry this event');
    expect((await get(dashboard, '/events/nope')).response.status).toBe(404);
  });

  it('escapes every payload byte: script tags and attribute breakouts render as text', async () => {
    const { dashboard, events } = await memoryDashboard();
    for (const path of [
      '/events',
      `/events/${events.xss.id}`,
      `/events?q=${encodeURIComponent(XSS_SCRIPT)}`,
    ]) {
      const { text } = await get(dashboard, path);
      expect(text).not.toContain(XSS_SCRIPT);
      expect(text).not.toContain(XSS_ATTRIBUTE);
      expect(text).not.toContain('<img');
      expect(text).not.toMatch(/<script>(?!<)/);
    }
    expect((await get(dashboard, `/events/${events.xss.id}`)).text).toContain(
      '&lt;script&gt;window.__xss = 1&lt;/script&gt;',
    );
  });

  it('serves its script and stylesheet itself, and nothing from elsewhere', async () => {
    const { dashboard } = await memoryDashboard();
    const { text } = await get(dashboard, '/');
    const sources = [...text.matchAll(/(?:src|href)="([^"]+\.(?:js|css)[^"]*)"/g)].map((m) => m[1] as string);
    expect(sources.length).toBe(2);
    for (const source of sources) {
      expect(source.startsWith('/assets/')).toBe(true);
      const asset = await get(dashboard, source.replaceAll('&amp;', '&'));
      expect(asset.response.status).toBe(200);
    }
  });
});

describe('actions', () => {
  it('refuses an action without the CSRF token, or with another one', async () => {
    const { dashboard, events, store } = await memoryDashboard();
    const fields: [string, string][] = [
      ['action', 'retry'],
      ['ids', events.failed.id],
    ];
    expect((await post(dashboard, '/actions/retry', fields, null)).response.status).toBe(403);
    const token = await csrfToken(dashboard);
    const other = await post(dashboard, '/actions/retry', [...fields, ['_csrf', 'x'.repeat(32)]], token);
    expect(other.response.status).toBe(403);
    const crossSite = await post(dashboard, '/actions/retry', [...fields, ['_csrf', token]], token, {
      origin: 'https://evil.example',
    });
    expect(crossSite.response.status).toBe(403);
    expect((await store.get(events.failed.id))?.status).toBe('failed');
  });

  it('confirms with the count, then retries the failed event only, with an audit line', async () => {
    const { dashboard, events, store, audit } = await memoryDashboard();
    const token = await csrfToken(dashboard);
    const chosen: [string, string][] = [events.failed, events.processing, events.published].map((e) => [
      'ids',
      e.id,
    ]);
    const confirm = await post(
      dashboard,
      '/actions/confirm',
      [['action', 'retry'], ...chosen, ['_csrf', token]],
      token,
    );
    expect(confirm.text).toContain('data-count="1"');
    expect(confirm.text).toContain('a worker is publishing it right now');
    expect(confirm.text).toContain('it is published (final)');
    const done = await post(
      dashboard,
      '/actions/retry',
      [['action', 'retry'], ['ids', events.failed.id], ...chosen, ['_csrf', token]],
      token,
    );
    expect(done.response.status).toBe(303);
    expect(decodeURIComponent(done.response.headers.get('location') ?? '')).toContain(
      'requeued 1 failed event',
    );
    expect((await store.get(events.failed.id))?.status).toBe('pending');
    expect((await store.get(events.processing.id))?.status).toBe('processing');
    expect((await store.get(events.published.id))?.status).toBe('published');
    const line = audit.lines.find((l) => l.fields.audit === true);
    expect(line).toMatchObject({ level: 'info', fields: { action: 'retry', count: 1, user: 'anonymous' } });
  });

  it('retries every failed event matching a filter', async () => {
    const { dashboard, events, store } = await memoryDashboard();
    const token = await csrfToken(dashboard);
    const confirm = await post(
      dashboard,
      '/actions/confirm',
      [
        ['action', 'retry-matching'],
        ['filter', '?source=billing'],
        ['_csrf', token],
      ],
      token,
    );
    expect(confirm.text).toContain('data-count="1"');
    await post(
      dashboard,
      '/actions/retry',
      [
        ['action', 'retry'],
        ['mode', 'matching'],
        ['filter', '?source=billing'],
        ['_csrf', token],
      ],
      token,
    );
    expect((await store.get(events.failed.id))?.status).toBe('pending');
  });

  it('marks waiting events failed with the reason, never in-flight or published ones', async () => {
    const { dashboard, events, store } = await memoryDashboard();
    const token = await csrfToken(dashboard);
    const ids: [string, string][] = [events.pending, events.processing, events.published].map((e) => [
      'ids',
      e.id,
    ]);
    const confirm = await post(
      dashboard,
      '/actions/confirm',
      [['action', 'fail'], ...ids, ['_csrf', token]],
      token,
    );
    expect(confirm.text).toContain('data-count="1"');
    await post(
      dashboard,
      '/actions/fail',
      [['action', 'fail'], ...ids, ['reason', 'bad payload, INC-42'], ['_csrf', token]],
      token,
    );
    const failed = await store.get(events.pending.id);
    expect(failed?.status).toBe('failed');
    expect(failed?.lastError).toBe('bad payload, INC-42');
    expect((await store.get(events.processing.id))?.status).toBe('processing');
    expect((await store.get(events.published.id))?.status).toBe('published');
  });

  it('in read-only mode shows no action and refuses every POST', async () => {
    const { dashboard, events, store } = await memoryDashboard({ readOnly: true });
    const page = await get(dashboard, `/events/${events.failed.id}`);
    expect(page.text).not.toContain('Retry this event');
    expect(page.text).toContain('read-only');
    const token = await csrfToken(dashboard);
    const refused = await post(
      dashboard,
      '/actions/retry',
      [
        ['action', 'retry'],
        ['ids', events.failed.id],
        ['_csrf', token],
      ],
      token,
    );
    expect(refused.response.status).toBe(403);
    expect((await store.get(events.failed.id))?.status).toBe('failed');
  });
});

describe('authentication', () => {
  it('asks for basic auth and lets the right user in', async () => {
    const { dashboard } = await memoryDashboard({
      basicAuth: { username: 'ops', password: 'correct horse' },
    });
    const refused = await get(dashboard, '/');
    expect(refused.response.status).toBe(401);
    expect(refused.response.headers.get('www-authenticate')).toContain('Basic');
    const wrong = `Basic ${Buffer.from('ops:wrong').toString('base64')}`;
    expect((await get(dashboard, '/', { authorization: wrong })).response.status).toBe(401);
    const right = `Basic ${Buffer.from('ops:correct horse').toString('base64')}`;
    expect((await get(dashboard, '/', { authorization: right })).response.status).toBe(200);
  });

  it('takes a bearer token, and an authorize hook whose user goes into the audit line', async () => {
    const token = 'a-long-enough-bearer-token';
    const bearer = await memoryDashboard({ bearerToken: token });
    expect((await get(bearer.dashboard, '/')).response.status).toBe(401);
    expect((await get(bearer.dashboard, '/', { authorization: `Bearer ${token}` })).response.status).toBe(
      200,
    );

    const hooked = await memoryDashboard({
      authorize: (request) => (request.headers.get('x-user') === 'alice' ? 'alice' : false),
    });
    expect((await get(hooked.dashboard, '/')).response.status).toBe(403);
    const headers = { 'x-user': 'alice' };
    const csrf = await csrfToken(hooked.dashboard, headers);
    await post(
      hooked.dashboard,
      '/actions/retry',
      [
        ['action', 'retry'],
        ['ids', hooked.events.failed.id],
        ['_csrf', csrf],
      ],
      csrf,
      headers,
    );
    expect(hooked.audit.lines.find((l) => l.fields.audit)?.fields.user).toBe('alice');
  });
});
