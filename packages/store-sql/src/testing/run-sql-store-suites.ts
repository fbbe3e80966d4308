import { afterAll, beforeAll, describe } from 'vitest';
import { claimCommitSuite } from './claim-commit-suite.js';
import { keyRulesSuite } from './key-rules-suite.js';
import { orderingSuite } from './ordering-suite.js';
import { raceSuite } from './race-suite.js';
import { checkSuiteOptions, SuiteContext } from './suite-context.js';
import type { SqlStoreSuiteOptions } from './suite-options.js';
import { tableSuite } from './table-suite.js';
import { transactionSuite } from './transaction-suite.js';
import { wakeupSuite } from './wakeup-suite.js';

/**
 * The rules every store on `@dispatch/store-sql` must follow beyond the store conformance suite of
 * `@dispatch/core/testing` (run that one too): claimer processes racing (one crashing), per-key
 * order in commit order, the key and outcome rules, caller transactions and savepoints, the
 * missing and the qualified table, and on PostgreSQL the claim commit and LISTEN/NOTIFY wake-ups.
 * Call it in a vitest test file, once per database; groups skip themselves from `capabilities`.
 */
export function runSqlStoreSuites(options: SqlStoreSuiteOptions): void {
  checkSuiteOptions(options);
  const context = new SuiteContext(options);
  describe(`sql store suites: ${options.name}`, () => {
    beforeAll(async () => {
      await options.setup?.();
    }, 60_000);
    afterAll(async () => {
      await options.teardown?.();
    });

    raceSuite(context);
    orderingSuite(context);
    keyRulesSuite(context);
    transactionSuite(context);
    tableSuite(context);
    claimCommitSuite(context);
    wakeupSuite(context);
  });
}
