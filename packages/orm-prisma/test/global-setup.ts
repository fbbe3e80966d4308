import { generateClients } from './prisma-clients.js';

/** `prisma generate` for the three providers, before any test file imports a client. */
export default async function setup(): Promise<void> {
  await generateClients();
}
