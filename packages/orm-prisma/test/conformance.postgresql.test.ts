import { runConformanceOn } from './conformance.js';

runConformanceOn('postgresql');
