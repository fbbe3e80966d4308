import { runConformanceOn } from './conformance.js';

// Behind a pooler that cannot carry named statements.
runConformanceOn('postgresql', {
  title: 'postgresql, no prepared statements',
  storeOptions: { preparedStatements: false },
});
