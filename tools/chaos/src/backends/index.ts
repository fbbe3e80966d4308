import type { BackendKit } from './backend-kit.js';

/** `--backend` choices. A new backend is one file in this folder and one line here. */
export const BACKENDS = {
  redis: async () => (await import('./redis.js')).redisKit,
  nats: async () => (await import('./nats.js')).natsKit,
  rabbitmq: async () => (await import('./rabbitmq.js')).rabbitmqKit,
} satisfies Record<string, () => Promise<BackendKit>>;

export type BackendName = keyof typeof BACKENDS;
export const BACKEND_NAMES = Object.keys(BACKENDS) as BackendName[];
