import { runConformanceOn } from './conformance.js';

runConformanceOn('mysql', { name: 'mysql driver on mariadb' });
