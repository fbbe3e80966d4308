import { packageTests } from '../../vitest.shared.ts';

// Outage, TLS and auth tests start their own nats-server processes: longer limits.
export default packageTests(import.meta.dirname, { testTimeout: 30_000 });
