import { runConformanceOn } from './conformance.js';

// Without the pg Pool: no prepared statements and no wake-ups, every statement through Prisma.
runConformanceOn('postgresql', { name: 'postgresql, no pgPool', withPool: false });
