import { runConformanceOn } from './conformance.js';

runConformanceOn('postgresql', {
  name: 'postgresql, preparedStatements: false',
  storeOptions: { preparedStatements: false },
});
