import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { Hono } from 'hono';
import Koa from 'koa';
import { afterEach, describe, expect, it } from 'vitest';
import { dashboardFastify, dashboardKoa, toNodeHandler } from '../src/index.js';
import { type MemoryDashboard, memoryDashboard } from './memory-dashboard.js';

const BASE = '/dispatch';
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(
    () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  );
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Through a real HTTP server: the overview, the app's own route, and a retry with its CSRF token. */
async function exercise(origin: string, setup: MemoryDashboard): Promise<void> {
  const overview = await fetch(`${origin}${BASE}/`);
  expect(overview.status).toBe(200);
  expect(await overview.text()).toContain(`href="${BASE}/events"`);
  expect((await fetch(`${origin}/app`)).status).toBe(200);
  const cookie = overview.headers.get('set-cookie') ?? '';
  const token = /dispatch_dashboard_csrf=([^;]+)/.exec(cookie)?.[1] ?? '';
  expect(cookie).toContain(`Path=${BASE}`);
  const body = new URLSearchParams([
    ['action', 'retry'],
    ['ids', setup.events.failed.id],
    ['_csrf', token],
  ]);
  const headers = {
    'content-type': 'application/x-www-form-urlencoded',
    cookie: `dispatch_dashboard_csrf=${token}`,
  };
  const refused = await fetch(`${origin}${BASE}/actions/retry`, {
    method: 'POST',
    headers: { 'content-type': headers['content-type'] },
    body,
    redirect: 'manual',
  });
  expect(refused.status).toBe(403);
  const done = await fetch(`${origin}${BASE}/actions/retry`, {
    method: 'POST',
    headers,
    body,
    redirect: 'manual',
  });
  expect(done.status).toBe(303);
  expect(done.headers.get('location')).toContain(`${BASE}/events/`);
  expect((await setup.store.get(setup.events.failed.id))?.status).toBe('pending');
}

describe('mounting', () => {
  it('Node http', async () => {
    const setup = await memoryDashboard({ basePath: BASE });
    const handler = toNodeHandler(setup.dashboard);
    const server = createServer((request, response) => {
      if (request.url === '/app') response.end('app');
      else handler(request, response);
    });
    await exercise(await listen(server), setup);
  });

  it('Express, behind a body parser', async () => {
    const setup = await memoryDashboard({ basePath: BASE });
    const app = express();
    app.use(express.urlencoded({ extended: false }));
    app.get('/app', (_request, response) => {
      response.send('app');
    });
    app.use(BASE, toNodeHandler(setup.dashboard));
    await exercise(await listen(createServer(app)), setup);
  });

  it('Fastify', async () => {
    const setup = await memoryDashboard({ basePath: BASE });
    const app = Fastify();
    app.get('/app', async () => 'app');
    await app.register(dashboardFastify(setup.dashboard));
    await app.listen({ port: 0, host: '127.0.0.1' });
    closers.push(() => app.close());
    await exercise(`http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, setup);
  });

  it('Hono, with the Web handler as is', async () => {
    const setup = await memoryDashboard({ basePath: BASE });
    const app = new Hono();
    app.get('/app', (c) => c.text('app'));
    app.all(`${BASE}/*`, (c) => setup.dashboard.fetch(c.req.raw));
    // Hono speaks Request/Response: served here through the Node adapter's own conversion.
    const server = createServer(
      toNodeHandler({ ...setup.dashboard, fetch: async (request) => app.fetch(request) }),
    );
    await exercise(await listen(server), setup);
  });

  it('Koa', async () => {
    const setup = await memoryDashboard({ basePath: BASE });
    const app = new Koa();
    app.use(dashboardKoa(setup.dashboard));
    app.use(async (context) => {
      if (context.path === '/app') context.body = 'app';
    });
    await exercise(await listen(createServer(app.callback())), setup);
  });
});
