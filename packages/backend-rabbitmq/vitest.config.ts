import { packageTests } from '../../vitest.shared.ts';

// The outage and broker tests start their own rabbitmq-server (several seconds each): longer limits.
export default packageTests(import.meta.dirname, { testTimeout: 60_000 });
