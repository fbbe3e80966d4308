import { packageTests } from '../../vitest.shared.ts';

// Files share the database servers and lease tests measure time: run them one at a time.
export default packageTests(import.meta.dirname, { testTimeout: 30_000, fileParallelism: false });
