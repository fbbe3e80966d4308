import { packageTests } from '../../vitest.shared.ts';

// Real services and child processes: leave room for a busy machine.
export default packageTests(import.meta.dirname, { testTimeout: 60_000 });
