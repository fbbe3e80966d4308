import { SqlStoreDriver, type SqlStoreSettings } from '@dispatch/store-sql';
import type { DialectKind } from './detect-dialect.js';
import { MikroOrmExecutor } from './mikro-orm-executor.js';
import type { EntityManagerLike } from './orm-types.js';

/** The SQL store's settings, less the hints this adapter writes, plus the ORM's `em` and dialect. */
export interface DriverSettings extends Omit<SqlStoreSettings, 'migrationHint' | 'transactionHint'> {
  em: EntityManagerLike;
  kind: DialectKind;
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
