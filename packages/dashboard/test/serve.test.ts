import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { createStore, silentLogger } from '@dispatch/core';
import { memoryStore } from '@dispatch/core/testing';
import { describe, expect, it } from 'vitest';
import { isLoopback, serveDashboard } from '../src/index.js';

const CLIENT_BUDGET = 100 * 1024;

describe('serveDashboard', () => {
  it('binds 127.0.0.1 by default and serves the dashboard', async () => {
    const store = await createStore(memoryStore, {}, { logger: silentLogger });
    const server = await serveDashboard({ store, port: 0, logger: silentLogger });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
      expect((await fetch(server.url)).status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('refuses a non-loopback host without authentication unless told it is insecure', async () => {
    const store = await createStore(memoryStore, {}, { logger: silentLogger });
    await expect(serveDashboard({ store, port: 0, host: '0.0.0.0', logger: silentLogger })).rejects.toThrow(
      /refusing to serve the dashboard on 0\.0\.0\.0 without authentication/,
    );
    const withAuth = await serveDashboard({
      store,
      port: 0,
      host: '0.0.0.0',
      bearerToken: 'a-long-enough-bearer-token',
      logger: silentLogger,
    });
    await withAuth.close();
    const insecure = await serveDashboard({
      store,
      port: 0,
      host: '0.0.0.0',
      insecure: true,
      logger: silentLogger,
    });
    await insecure.close();
  });

  it('tells loopback hosts from others', () => {
    for (const host of ['127.0.0.1', 'localhost', '::1', '[::1]', '127.1.2.3'])
      expect(isLoopback(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '192.168.1.10', 'example.com']) expect(isLoopback(host)).toBe(false);
  });
});

describe('the shipped client', () => {
  it('stays under 100 KB gzipped', () => {
    let total = 0;
    for (const name of ['app.js', 'app.css']) {
      total += gzipSync(readFileSync(new URL(`../src/client/${name}`, import.meta.url))).length;
    }
    expect(total).toBeLessThan(CLIENT_BUDGET);
  });
});
