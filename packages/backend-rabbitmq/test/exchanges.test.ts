import { describe, expect, it } from 'vitest';
import { errorText, makeEvent, outcomeKinds, randomName, sharedBrokerSuite } from './helpers.js';

describe('exchange_mode', () => {
  const suite = sharedBrokerSuite();
  const open = (options: Record<string, unknown>) => suite.openBackend({ mandatory: false, ...options });

  it('declare (the default): creates a durable exchange of exchange_type before the first message', async () => {
    const exchange = randomName('declared');
    suite.inspector.track(exchange);
    const backend = await open({ exchange, exchange_type: 'fanout' });
    expect((await backend.health()).details).toMatchObject({ exchange, exchangeExists: false });
    expect(outcomeKinds(await backend.publish([makeEvent()]))).toEqual(['published']);
    expect((await backend.health()).details).toMatchObject({ exchangeExists: true });
    // Declaring it again as a durable fanout succeeds only if that is what the broker holds.
    await suite.inspector.scratch((channel) => channel.assertExchange(exchange, 'fanout', { durable: true }));
  });

  it('declare: an exchange that exists with another type rejects its events, saying what to change', async () => {
    const exchange = await suite.inspector.exchange(randomName('other-type'), 'direct');
    const backend = await open({ exchange, exchange_type: 'topic' });
    const outcomes = await backend.publish([makeEvent(), makeEvent()]);
    expect(outcomeKinds(outcomes)).toEqual(['rejected', 'rejected']);
    expect(errorText(outcomes[0])).toContain(
      `exchange "${exchange}" in vhost "/" exists with other settings`,
    );
    expect(errorText(outcomes[0])).toContain('exchange_type');
  });

  it("declare: the broker's amq.* exchanges are used, never declared", async () => {
    const key = randomName('amq');
    const queue = await suite.inspector.queue('amq.topic', key);
    const backend = await open({ exchange: 'amq.topic', routing_key: () => key, mandatory: true });
    const event = makeEvent();
    expect(outcomeKinds(await backend.publish([event]))).toEqual(['published']);
    expect((await suite.inspector.take(queue)).map((message) => message.properties.messageId)).toEqual([
      event.id,
    ]);
  });

  it('expect: a missing exchange rejects its events by name, fails health, and is found once it exists', async () => {
    const exchange = randomName('expected');
    const backend = await open({ exchange, exchange_mode: 'expect' });
    const outcomes = await backend.publish([makeEvent()]);
    expect(outcomeKinds(outcomes)).toEqual(['rejected']);
    expect(errorText(outcomes[0])).toContain(
      `exchange "${exchange}" in vhost "/" does not exist (exchange_mode "expect")`,
    );
    const health = await backend.health();
    expect(health.ok).toBe(false);
    expect(health.error).toContain(`exchange "${exchange}"`);
    await suite.inspector.exchange(exchange);
    expect(outcomeKinds(await backend.publish([makeEvent()]))).toEqual(['published']);
    expect((await backend.health()).ok).toBe(true);
  });

  it('expect with templated exchanges: only the events naming a missing one are rejected', async () => {
    const prefix = randomName('expect-tpl');
    const present = await suite.inspector.exchange(`${prefix}.shop`);
    const queue = await suite.inspector.queue(present);
    const backend = await open({ exchange: `${prefix}.{source}`, exchange_mode: 'expect' });
    const events = [
      makeEvent({ source: 'shop' }),
      makeEvent({ source: 'nowhere' }),
      makeEvent({ source: 'shop' }),
    ];
    const outcomes = await backend.publish(events);
    expect(outcomeKinds(outcomes)).toEqual(['published', 'rejected', 'published']);
    expect(errorText(outcomes[1])).toContain(`exchange "${prefix}.nowhere"`);
    expect((await suite.inspector.take(queue)).map((message) => message.properties.messageId)).toEqual([
      events[0]?.id,
      events[2]?.id,
    ]);
  });
});
