import { createDispatch, type Dispatch } from '@dispatch/core';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.js';
import { ensureSchema, openOrm } from './db.js';
import { dispatchConfig } from './dispatch-config.js';
import { orderEntity } from './order.js';
import type { Settings } from './settings.js';

export interface RunningService {
  url: string;
  app: FastifyInstance;
  orm: MikroORM;
  dispatch: Dispatch;
  close(): Promise<void>;
}

/** Open the ORM and Dispatch, make sure the tables exist, and listen. */
export async function startService(settings: Settings): Promise<RunningService> {
  const orm = await openOrm(settings);
  const dispatch = await createDispatch(dispatchConfig(orm, settings));
  try {
    await ensureSchema(orm, dispatch, settings);
    const app = buildApp({
      em: orm.em,
      entity: orderEntity(settings.ordersTable),
      dispatch,
      creditLimitCents: settings.creditLimitCents,
    });
    const url = await app.listen({ port: settings.port, host: settings.host });
    return {
      url,
      app,
      orm,
      dispatch,
      async close() {
        // Stop taking requests first, so no transaction is cut short by the pool closing.
        await app.close();
        await dispatch.close();
        await orm.close();
      },
    };
  } catch (error) {
    await dispatch.close();
    await orm.close();
    throw error;
  }
}
