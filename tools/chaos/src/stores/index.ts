import type { StoreKit } from './store-kit.js';

/**
 * `--store` choices. A new ORM store is one file in this folder (a `StoreKit`: open it on the run's
 * database, write one business transaction, and its part of the workers' config) and one line here.
 */
export const STORES = {
  mikro: async () => (await import('./mikro.js')).mikroKit,
  drizzle: async () => (await import('./drizzle.js')).drizzleKit,
  kysely: async () => (await import('./kysely.js')).kyselyKit,
  typeorm: async () => (await import('./typeorm.js')).typeormKit,
  prisma: async () => (await import('./prisma.js')).prismaKit,
} satisfies Record<string, () => Promise<StoreKit>>;

export type StoreName = keyof typeof STORES;
export const STORE_NAMES = Object.keys(STORES) as StoreName[];
