import { runConformanceOn } from './conformance.js';

runConformanceOn('mariadb');
