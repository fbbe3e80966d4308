import { describe, expect, it } from 'vitest';
import { limitHeapGrowth } from './heap-growth.js';

describe('limitHeapGrowth', () => {
  it('sets the growth when node was given none', () => {
    expect(
      limitHeapGrowth(50, { execArgv: ['--enable-source-maps'], nodeOptions: '--max-old-space-size=512' }),
    ).toEqual({
      kind: 'set',
      percent: 50,
    });
  });

  it("keeps the operator's own flag, given to node or in NODE_OPTIONS, in either spelling", () => {
    expect(limitHeapGrowth(50, { execArgv: ['--heap-growing-percent=80'], nodeOptions: undefined })).toEqual({
      kind: 'kept',
      reason: 'node was started with --heap-growing-percent',
    });
    expect(
      limitHeapGrowth(50, { execArgv: [], nodeOptions: '--require x --heap_growing_percent=20' }),
    ).toEqual({
      kind: 'kept',
      reason: 'NODE_OPTIONS sets --heap-growing-percent',
    });
  });

  it("leaves V8's own heuristic with 0", () => {
    expect(limitHeapGrowth(0, { execArgv: [], nodeOptions: undefined })).toEqual({ kind: 'off' });
  });
});
