import type { SqlDialectName, SqlRow } from '../executor.js';

/** Runs one statement outside any transaction (placeholders in the database's own style). */
export type DescribeSql = (text: string, params?: unknown[]) => Promise<SqlRow[]>;

/**
 * What the database says about an outbox table (columns, indexes, constraints), with the table's
 * own name replaced by `T` so that two tables made in different ways can be compared.
 * `collation`: on MySQL/MariaDB, the columns' character sets and collations too.
 */
export async function describeTable(
  sql: DescribeSql,
  dialect: SqlDialectName,
  tableName: string,
  options: { collation?: boolean } = {},
): Promise<Record<string, unknown>> {
  const named = (value: unknown) => String(value ?? '').replaceAll(tableName, 'T');
  if (dialect === 'postgresql') {
    const columns = await sql(
      `SELECT column_name, data_type, character_maximum_length, is_nullable, column_default, is_identity, identity_generation
FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position`,
      [tableName],
    );
    const indexes = await sql(
      'SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = $1 ORDER BY indexname',
      [tableName],
    );
    const constraints = await sql(
      'SELECT conname, contype, pg_get_constraintdef(oid) AS def FROM pg_constraint WHERE conrelid = $1::regclass ORDER BY conname',
      [tableName],
    );
    const [sequence] = await sql(`SELECT pg_get_serial_sequence($1, 'seq') AS name`, [tableName]);
    return {
      columns,
      indexes: indexes.map((row) => ({ name: named(row.indexname), def: named(row.indexdef) })),
      constraints: constraints.map((row) => ({ ...row, conname: named(row.conname) })),
      sequence: named(sequence?.name),
    };
  }
  if (dialect === 'mysql') {
    const columns = await sql(
      `SELECT column_name AS name, column_type AS type, is_nullable AS nullable, column_default AS \`default\`, extra${
        options.collation ? ', character_set_name AS charset, collation_name AS collation' : ''
      }
FROM information_schema.columns WHERE table_schema = DATABASE() AND table_name = ? ORDER BY ordinal_position`,
      [tableName],
    );
    const indexes = await sql(
      `SELECT index_name AS name, non_unique AS nonUnique, GROUP_CONCAT(column_name ORDER BY seq_in_index) AS columns
FROM information_schema.statistics WHERE table_schema = DATABASE() AND table_name = ? GROUP BY index_name, non_unique ORDER BY index_name`,
      [tableName],
    );
    const [table] = await sql(
      'SELECT engine FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = ?',
      [tableName],
    );
    return {
      columns,
      indexes: indexes.map((row) => ({ ...row, name: named(row.name) })),
      engine: table?.engine,
    };
  }
  // SQLite: declared types differ in spelling (VARCHAR(128) / text(128)) but not in affinity.
  const affinity = (type: unknown) => {
    const upper = String(type).toUpperCase();
    if (upper.includes('INT')) return 'INTEGER';
    if (/CHAR|CLOB|TEXT/.test(upper)) return 'TEXT';
    return upper;
  };
  const columns = await sql(`SELECT * FROM pragma_table_info('${tableName}') ORDER BY cid`);
  const indexes = await sql(
    `SELECT name, "unique", partial FROM pragma_index_list('${tableName}') ORDER BY name`,
  );
  const described = [];
  for (const index of indexes) {
    const parts = await sql(`SELECT name FROM pragma_index_info('${index.name}') ORDER BY seqno`);
    const [definition] = await sql("SELECT sql FROM sqlite_master WHERE type = 'index' AND name = ?", [
      index.name,
    ]);
    const where = /\bWHERE\b(.*)$/is.exec(String(definition?.sql ?? ''))?.[1]?.trim() ?? null;
    described.push({
      columns: parts.map((part) => part.name).join(','),
      unique: index.unique,
      partial: index.partial,
      where,
      // Inline UNIQUE makes an automatic index; a named one is the same constraint.
      name: String(index.name).startsWith('sqlite_autoindex_') ? 'unique(id)' : named(index.name),
    });
  }
  return {
    columns: columns.map((column) => ({
      name: column.name,
      affinity: affinity(column.type),
      notnull: column.notnull,
      dflt_value: column.dflt_value,
      pk: column.pk,
    })),
    indexes: described
      .map((index) => (index.name === 'T_id_unique' ? { ...index, name: 'unique(id)' } : index))
      .sort((a, b) => a.name.localeCompare(b.name)),
    autoincrement:
      (
        await sql('SELECT COUNT(*) AS n FROM sqlite_master WHERE name = ? AND sql LIKE ?', [
          tableName,
          '%AUTOINCREMENT%',
        ])
      )[0]?.n === 1,
  };
}
