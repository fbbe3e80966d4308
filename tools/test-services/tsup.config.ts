import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base';

// Built so plain Node (the benchmarks' .mjs) can import it.
const units = [
  'spare-port',
  'processes',
  'wait-for',
  'redis-server',
  'nats-server',
  'rabbitmq-server',
  'postgres-server',
  'tls-ca',
  'tcp-proxy',
  'prisma-generate',
  'sql-databases',
  'store-dispatch',
  'store-conformance',
];

export default defineConfig(
  packageBuild(Object.fromEntries(units.map((unit) => [unit, `src/${unit}.ts`])), {
    format: ['esm'],
    splitting: true,
  }),
);
