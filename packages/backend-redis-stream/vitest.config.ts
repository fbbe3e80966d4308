import { packageTests } from '../../vitest.shared.ts';

// Outage and cluster tests start their own redis-server processes: longer limits.
export default packageTests(import.meta.dirname, { testTimeout: 30_000 });
