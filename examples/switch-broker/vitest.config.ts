import { packageTests } from '../../vitest.shared.ts';

// Real services: PostgreSQL and the three brokers, one broker after another in one file.
export default packageTests(import.meta.dirname, { testTimeout: 60_000 });
