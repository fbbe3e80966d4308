import { defineConfig } from '@dispatch/core';
import { memoryStore } from '@dispatch/core/memory';

export default defineConfig({
  OUTBOX_PUBLISHERS: {
    default: {
      // A path, resolved against this file's folder.
      BACKEND: './src/webhook-backend.ts',
      OPTIONS: { url: process.env.WEBHOOK_URL ?? 'http://127.0.0.1:8080/events', timeout: 5 },
    },
  },
  OUTBOX_STORE: { STORE: memoryStore },
});
