import { packageTests } from '../../vitest.shared.ts';

// The browser tests share one PostgreSQL table, one Redis stream and one Chromium: files one at a time.
export default packageTests(import.meta.dirname, { fileParallelism: false, testTimeout: 60_000 });
