import type { Logger } from '@dispatch/core';
import { SqlStoreDriver } from '@dispatch/store-sql';
import type { DialectKind } from './detect-dialect.js';
import { MikroOrmExecutor } from './mikro-orm-executor.js';
import type { EntityManagerLike } from './orm-types.js';

export interface DriverSettings {
  em: EntityManagerLike;
  kind: DialectKind;
  tableName: string;
  requireTransaction: boolean;
  notifyChannel: string | false;
  preparedStatements: boolean;
  /** PostgreSQL: ANALYZE the table after slow claims when its statistics are stale. */
  analyzeWhenStale: boolean;
  logger: Logger;
}

/** The SQL outbox store (`@dispatch/store-sql`) on a MikroORM `EntityManager`. */
export class MikroOrmStoreDriver extends SqlStoreDriver {
  constructor(settings: DriverSettings) {
    super(new MikroOrmExecutor(settings.em, settings.kind, settings.logger), {
      ...settings,
      migrationHint: 'or add the MikroORM migration from @dispatch/orm-mikro/migration',
      transactionHint:
        'call publishEvent inside em.transactional() or @Transactional(), or pass { transaction: em }',
    });
  }
}
