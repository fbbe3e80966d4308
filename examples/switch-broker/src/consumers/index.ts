import type { BrokerName, Settings } from '../settings.js';
import type { BrokerConsumer } from './event.js';

export type { BrokerConsumer, ReceivedEvent } from './event.js';

/**
 * Open the consumer of the broker `settings.broker` names. Imported on demand, so reading from one
 * broker never loads the others' clients.
 */
export async function openConsumer(settings: Settings): Promise<BrokerConsumer> {
  const consumers: Record<BrokerName, () => Promise<{ open(settings: Settings): Promise<BrokerConsumer> }>> =
    {
      redis: () => import('./redis.js'),
      nats: () => import('./nats.js'),
      rabbitmq: () => import('./rabbitmq.js'),
    };
  return (await consumers[settings.broker]()).open(settings);
}
