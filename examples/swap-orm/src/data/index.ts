import type { OrmName, Settings } from '../settings.js';
import type { OrdersData } from './types.js';

export type { NewOrder, Order, OrdersData, OrdersTransaction } from './types.js';

/**
 * Open the data layer `settings.orm` names. Imported on demand, so running one ORM never loads the
 * others (nor needs the generated Prisma Client unless ORM=prisma).
 */
export async function openData(settings: Settings): Promise<OrdersData> {
  const layers: Record<OrmName, () => Promise<{ open(settings: Settings): Promise<OrdersData> }>> = {
    mikro: () => import('./mikro.js'),
    prisma: () => import('./prisma.js'),
    drizzle: () => import('./drizzle.js'),
    kysely: () => import('./kysely.js'),
    typeorm: () => import('./typeorm.js'),
  };
  const layer = await layers[settings.orm]();
  return layer.open(settings);
}
