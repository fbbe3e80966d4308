import { runConformanceOn } from './conformance.js';

runConformanceOn('sqlite');
