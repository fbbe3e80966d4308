import { defineConfig } from 'tsup';
import { packageBuild } from '../../tsup.base';

// Built so plain Node (the benchmarks' .mjs) can import it; prisma-generate stays source-only.
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
];

export default defineConfig(
  packageBuild(Object.fromEntries(units.map((unit) => [unit, `src/${unit}.ts`])), {
    format: ['esm'],
    splitting: true,
  }),
);
