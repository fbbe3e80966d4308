import { packageTests } from '../../vitest.shared.ts';

// Integration files start their own servers and child processes: run files one at a time.
export default packageTests(import.meta.dirname, { fileParallelism: false });
