export {
  type BusinessHandles,
  type BusinessTransactionSuiteOptions,
  type BusinessTransactionWay,
  businessTransactionSuite,
  type NestTransaction,
} from './business-transaction-suite.js';
export { type DescribeSql, describeTable } from './describe-schema.js';
export { expectEndToEnd, expectPendingModelRow } from './outbox-rows.js';
export { runSqlStoreSuites } from './run-sql-store-suites.js';
export { expectOldServerRefused, expectSqliteOptionsRefused } from './setup-checks.js';
export type {
  ClaimerStore,
  ClaimerStoreRequest,
  OpenClaimerStore,
  SqlStoreCapabilities,
  SqlStoreRequest,
  SqlStoreSuiteOptions,
  SqlStoreUnderTest,
} from './suite-options.js';
