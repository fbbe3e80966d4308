export { outboxKeyLocksTableMysql, outboxTableMysql } from './outbox-table-mysql.js';
export { outboxTablePg } from './outbox-table-pg.js';
export { outboxTableSqlite } from './outbox-table-sqlite.js';
