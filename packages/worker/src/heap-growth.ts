import { setFlagsFromString } from 'node:v8';

/** The default of `dispatch worker --heap-growing-percent`. */
export const DEFAULT_HEAP_GROWING_PERCENT = 50;

export type HeapGrowth =
  | { readonly kind: 'set'; readonly percent: number }
  | { readonly kind: 'kept'; readonly reason: string }
  | { readonly kind: 'off' };

const V8_FLAG = /--heap[-_]growing[-_]percent\b/;

/**
 * A draining worker keeps about 30 MB live but turns over tens of MB a second of rows and
 * messages, some of which outlive two scavenges. Between full collections V8 lets the old
 * generation grow up to four times what is live, so a 1M-event drain peaked at 215 MB RSS while
 * its live set stayed near 30 MB. Capping that factor keeps the heap near the live set for the
 * price of more frequent (incremental) full collections.
 *
 * Only the `dispatch worker` process does this, since it owns its process; an application that
 * runs the worker in its own process keeps its own V8 settings. A `--heap-growing-percent` the
 * operator gave Node (argument or NODE_OPTIONS) wins; `percent` 0 leaves V8's own heuristic.
 */
export function limitHeapGrowth(
  percent: number,
  node: { execArgv: readonly string[]; nodeOptions: string | undefined } = {
    execArgv: process.execArgv,
    nodeOptions: process.env.NODE_OPTIONS,
  },
): HeapGrowth {
  if (node.execArgv.some((arg) => V8_FLAG.test(arg)))
    return { kind: 'kept', reason: 'node was started with --heap-growing-percent' };
  if (node.nodeOptions !== undefined && V8_FLAG.test(node.nodeOptions))
    return { kind: 'kept', reason: 'NODE_OPTIONS sets --heap-growing-percent' };
  if (percent === 0) return { kind: 'off' };
  // V8 reads this flag at every full collection, so setting it after start takes effect.
  setFlagsFromString(`--heap-growing-percent=${percent}`);
  return { kind: 'set', percent };
}
