import { InvalidArgumentError } from '@dispatch/core';
import {
  DEFAULT_TABLE_NAME,
  outboxSchemaSql,
  type SqlDialectName,
  sqlStoreOptionFields,
  tableNames,
} from '@dispatch/store-sql';

export interface OutboxPrismaSchemaOptions {
  /** The datasource `provider` of your schema (MariaDB is `mysql`). */
  provider: SqlDialectName;
  /**
   * The store's `tableName`; `schema.table` adds `@@schema("schema")` (Prisma's multi-schema).
   * @default 'outbox_events'
   */
  tableName?: string | undefined;
  /**
   * The model's name in your schema (MariaDB/MySQL: the key-lock table's model is this name plus
   * `KeyLock`).
   * @default 'OutboxEvent'
   */
  modelName?: string | undefined;
}

/** [field, column, Prisma type, per-provider native type or attributes]. */
type Field = [name: string, column: string, type: string, extra: Partial<Record<SqlDialectName, string>>];

const varchar = (length: number) => ({
  postgresql: `@db.VarChar(${length})`,
  mysql: `@db.VarChar(${length})`,
});
const text = { mysql: '@db.Text' };
const longText = { mysql: '@db.LongText' };

/** The columns of `@dispatch/store-sql`'s `columnsSql`, in order, after `seq` and `id`. */
const FIELDS: Field[] = [
  ['specVersion', 'spec_version', 'String', varchar(16)],
  ['eventType', 'event_type', 'String', varchar(255)],
  ['source', 'source', 'String', text],
  ['subject', 'subject', 'String?', text],
  ['dataContentType', 'data_content_type', 'String', varchar(255)],
  ['dataSchema', 'data_schema', 'String?', text],
  ['data', 'data', 'String?', longText],
  ['orderingKey', 'ordering_key', 'String?', varchar(255)],
  ['extensions', 'extensions', 'String', text],
  ['fields', 'fields', 'String', text],
  ['backend', 'backend', 'String', varchar(255)],
  ['maxRetries', 'max_retries', 'Int', {}],
  ['createdAt', 'created_at', 'BigInt', {}],
  ['status', 'status', 'String', varchar(16)],
  ['attempts', 'attempts', 'Int', { postgresql: '@default(0)', mysql: '@default(0)', sqlite: '@default(0)' }],
  ['availableAt', 'available_at', 'BigInt', {}],
  ['publishedAt', 'published_at', 'BigInt?', {}],
  ['updatedAt', 'updated_at', 'BigInt', {}],
  ['lastError', 'last_error', 'String?', text],
  // MariaDB/MySQL cannot default a TEXT column; the store always writes it.
  [
    'history',
    'history',
    'String',
    { postgresql: '@default("[]")', mysql: '@db.LongText', sqlite: '@default("[]")' },
  ],
  ['lockedUntil', 'locked_until', 'BigInt?', {}],
  ['leaseOwner', 'lease_owner', 'String?', varchar(255)],
];

const NON_FINAL = "status IN ('pending', 'retry', 'processing')";

/** The indexes of `migrate()`: partial on PostgreSQL and SQLite (`partialIndexes`), plain on MySQL. */
function indexes(provider: SqlDialectName, base: string): string[] {
  const map = (suffix: string) => `map: "${base}_${suffix}"`;
  if (provider === 'mysql') {
    return [
      `@@index([status, seq], ${map('due_idx')})`,
      `@@index([orderingKey, status, seq], ${map('key_idx')})`,
      `@@index([status, updatedAt], ${map('cleanup_idx')})`,
    ];
  }
  const where = (condition: string) => `where: raw("${condition}")`;
  return [
    `@@index([seq], ${map('due_idx')}, ${where(NON_FINAL)})`,
    `@@index([orderingKey, seq], ${map('key_idx')}, ${where(`ordering_key IS NOT NULL AND ${NON_FINAL}`)})`,
    `@@index([orderingKey, lockedUntil], ${map('lease_idx')}, ${where("ordering_key IS NOT NULL AND status = 'processing'")})`,
    `@@index([status, updatedAt], ${map('cleanup_idx')}, ${where("status IN ('published', 'failed')")})`,
  ];
}

function checkOptions(options: OutboxPrismaSchemaOptions, caller: string): string {
  const { provider } = options;
  if (provider !== 'postgresql' && provider !== 'mysql' && provider !== 'sqlite') {
    throw new InvalidArgumentError(
      `${caller}: provider must be 'postgresql', 'mysql' or 'sqlite', got ${JSON.stringify(provider)}.`,
    );
  }
  const tableName = options.tableName ?? DEFAULT_TABLE_NAME;
  const parsed = sqlStoreOptionFields.tableName.safeParse(tableName);
  if (!parsed.success || (provider === 'sqlite' && tableName.includes('.'))) {
    throw new InvalidArgumentError(
      `${caller}: tableName must be the store's tableName (letters, digits, underscores, optionally ` +
        `schema.table, not on SQLite), got ${JSON.stringify(tableName)}.`,
    );
  }
  return tableName;
}

/**
 * The `model` block(s) of the outbox table for your `schema.prisma`, the same table as
 * `dispatch migrate` and the Prisma Migrate SQL of this package: list it so that Prisma Migrate
 * keeps the table, and read it through Prisma if you like (never change statuses through it; the
 * store's fencing relies on its own conditional writes). The PostgreSQL and SQLite models declare
 * the partial indexes, which need `previewFeatures = ["partialIndexes"]` in the generator block.
 */
export function outboxPrismaSchema(options: OutboxPrismaSchemaOptions): string {
  const tableName = checkOptions(options, 'outboxPrismaSchema');
  const { provider } = options;
  const model = options.modelName ?? 'OutboxEvent';
  if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(model)) {
    throw new InvalidArgumentError(
      `outboxPrismaSchema: modelName must be a Prisma model name, got ${JSON.stringify(model)}.`,
    );
  }
  const names = tableNames(tableName);
  const schema = tableName.includes('.') ? tableName.slice(0, tableName.indexOf('.')) : undefined;
  const mapping = (table: string) => [
    `@@map("${table}")`,
    ...(schema === undefined ? [] : [`@@schema("${schema}")`]),
  ];
  const seq = provider === 'sqlite' ? 'Int' : 'BigInt';
  const unique = provider === 'sqlite' ? '@unique' : `@unique(map: "${names.base}_id_unique")`;
  const rows: [string, string, string][] = [
    ['seq', seq, '@id @default(autoincrement())'],
    ['id', 'String', `${unique}${provider === 'sqlite' ? '' : ' @db.VarChar(128)'}`],
    ...FIELDS.map(([name, column, type, extra]): [string, string, string] => [
      name,
      type,
      [name === column ? '' : `@map("${column}")`, extra[provider] ?? ''].filter(Boolean).join(' '),
    ]),
  ];
  const nameWidth = Math.max(...rows.map(([name]) => name.length));
  const typeWidth = Math.max(...rows.map(([, type]) => type.length));
  const lines = rows.map(([name, type, attributes]) =>
    `  ${name.padEnd(nameWidth)} ${type.padEnd(typeWidth)} ${attributes}`.trimEnd(),
  );
  const blocks = [
    [
      '/// The Dispatch outbox (@dispatch/orm-prisma): written and claimed by the store with its own SQL.',
      `model ${model} {`,
      ...lines,
      '',
      ...[...indexes(provider, names.base), ...mapping(names.base)].map((line) => `  ${line}`),
      '}',
    ].join('\n'),
  ];
  if (provider === 'mysql') {
    const keyLocks = tableNames(tableName).keyLocks;
    const base = keyLocks.includes('.') ? keyLocks.slice(keyLocks.indexOf('.') + 1) : keyLocks;
    blocks.push(
      [
        '/// The per-key locks of the Dispatch outbox on MariaDB/MySQL (4096 rows, written by its migration).',
        `model ${model}KeyLock {`,
        '  bucket Int @id',
        '',
        ...mapping(base).map((line) => `  ${line}`),
        '}',
      ].join('\n'),
    );
  }
  return `${blocks.join('\n\n')}\n`;
}

/**
 * The `migration.sql` of a Prisma Migrate migration that creates the outbox table (and on
 * MariaDB/MySQL its key-lock table and rows): the statements `dispatch migrate` runs.
 */
export function outboxMigrationSql(options: OutboxPrismaSchemaOptions): string {
  const tableName = checkOptions(options, 'outboxMigrationSql');
  const { up } = outboxSchemaSql({ dialect: options.provider, tableName });
  const header = `-- The Dispatch outbox (@dispatch/orm-prisma), the same table as \`dispatch migrate\` creates.\n`;
  return `${header}${up.map((statement) => `${statement.trim()};\n`).join('\n')}`;
}
