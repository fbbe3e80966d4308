import { runConformanceOn } from './conformance.js';

// Behind a pooler that cannot carry named prepared statements.
runConformanceOn('postgresql', {
  title: 'postgresql, unprepared',
  storeOptions: { preparedStatements: false },
});
