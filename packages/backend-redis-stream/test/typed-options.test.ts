import { defineConfig } from '@dispatch/core';
import { memoryStore } from '@dispatch/core/testing';
import { describe, expect, it } from 'vitest';
import { redisStreamBackend } from '../src/index.js';

// Type checks, run by the package's typecheck (`tsc --noEmit`): a `@ts-expect-error` that stops
// being an error fails it.
describe('OPTIONS typed by the imported definition', () => {
  it('takes the documented options and refuses a misspelt one or a wrong value', () => {
    const typed = defineConfig({
      OUTBOX_PUBLISHERS: {
        default: {
          BACKEND: redisStreamBackend,
          OPTIONS: { url: 'redis://127.0.0.1:6379', stream_name: 'orders-{event_type}', max_len: null },
        },
        // @ts-expect-error `stream` is not an option (it is `stream_name`)
        misspelt: { BACKEND: redisStreamBackend, OPTIONS: { stream: 'orders' } },
        // @ts-expect-error `max_len` is a number or null
        wrongValue: { BACKEND: redisStreamBackend, OPTIONS: { max_len: '1000' } },
      },
      OUTBOX_STORE: { STORE: memoryStore },
    });
    expect(Object.keys(typed.OUTBOX_PUBLISHERS)).toEqual(['default', 'misspelt', 'wrongValue']);
  });
});
