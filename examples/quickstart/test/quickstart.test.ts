import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runQuickstart } from '../src/quickstart.js';

const dir = mkdtempSync(join(tmpdir(), 'dispatch-quickstart-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('quickstart', () => {
  it('publishes exactly the events of committed orders, in order, and leaves nothing behind', async () => {
    const lines: string[] = [];
    const result = await runQuickstart(join(dir, 'orders.sqlite'), (line) => lines.push(line));

    // The refused order rolled back with its event: three orders, three events.
    expect(result.orders.map((o) => o.customer)).toEqual(['ada', 'grace', 'ada']);
    expect(result.published.map((e) => (e.data as { orderId: number }).orderId).sort()).toEqual(
      result.orders.map((o) => o.id).sort(),
    );
    expect(result.published.every((e) => e.type === 'order.created')).toBe(true);
    expect(JSON.stringify(result.published)).not.toContain('linus');

    // Per-key order: ada's two orders reach the stream in the order they were placed.
    const ada = result.published.filter((e) => (e.data as { customer: string }).customer === 'ada');
    expect(ada.map((e) => (e.data as { orderId: number }).orderId)).toEqual(
      result.orders.filter((o) => o.customer === 'ada').map((o) => o.id),
    );

    expect(result.counts).toMatchObject({ pending: 0, retry: 0, processing: 0, failed: 0, published: 3 });
    expect(result.created.sort()).toEqual(result.published.map((e) => e.id).sort());
    expect(lines.some((line) => line.startsWith('  rolled back: order for linus refused'))).toBe(true);
  });
});
