import type { OutboxEventRecord } from '@dispatch/store-sql';
import { BigIntType, EntitySchema } from '@mikro-orm/core';

export type { OutboxEventRecord };

export interface OutboxEntityOptions {
  /** @default 'outbox_events' */
  tableName?: string | undefined;
  /** Entity name in your ORM's metadata. @default 'DispatchOutboxEvent' */
  name?: string | undefined;
}

/**
 * A read-mostly entity over the outbox table, for admin screens and queries through your own `em`
 * (`entities: [createOutboxEntity()]`). Create the table with `dispatch migrate` or the migration,
 * not with MikroORM's schema generator, and keep it out of `schema:update` diffs with
 * `schemaGenerator.skipTables`: the partial indexes cannot be described here. Do not change statuses
 * through it: the store's fencing relies on its own conditional writes.
 */
export function createOutboxEntity(options: OutboxEntityOptions = {}): EntitySchema<OutboxEventRecord> {
  const ms = () => new BigIntType('number');
  return new EntitySchema<OutboxEventRecord>({
    name: options.name ?? 'DispatchOutboxEvent',
    tableName: options.tableName ?? 'outbox_events',
    properties: {
      seq: { type: ms(), primary: true, autoincrement: true, fieldName: 'seq' },
      id: { type: 'string', length: 128, unique: true, fieldName: 'id' },
      specVersion: { type: 'string', length: 16, fieldName: 'spec_version' },
      eventType: { type: 'string', length: 255, fieldName: 'event_type' },
      source: { type: 'text', fieldName: 'source' },
      subject: { type: 'text', nullable: true, fieldName: 'subject' },
      dataContentType: { type: 'string', length: 255, fieldName: 'data_content_type' },
      dataSchema: { type: 'text', nullable: true, fieldName: 'data_schema' },
      data: { type: 'text', nullable: true, fieldName: 'data' },
      orderingKey: { type: 'string', length: 255, nullable: true, fieldName: 'ordering_key' },
      extensions: { type: 'text', fieldName: 'extensions' },
      fields: { type: 'text', fieldName: 'fields' },
      backend: { type: 'string', length: 255, fieldName: 'backend' },
      maxRetries: { type: 'integer', fieldName: 'max_retries' },
      createdAt: { type: ms(), fieldName: 'created_at' },
      status: { type: 'string', length: 16, fieldName: 'status' },
      attempts: { type: 'integer', fieldName: 'attempts' },
      availableAt: { type: ms(), fieldName: 'available_at' },
      publishedAt: { type: ms(), nullable: true, fieldName: 'published_at' },
      updatedAt: { type: ms(), fieldName: 'updated_at' },
      lastError: { type: 'text', nullable: true, fieldName: 'last_error' },
      history: { type: 'text', fieldName: 'history' },
      lockedUntil: { type: ms(), nullable: true, fieldName: 'locked_until' },
      leaseOwner: { type: 'string', length: 255, nullable: true, fieldName: 'lease_owner' },
    },
  });
}
