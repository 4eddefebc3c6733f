import { bindingKeysOf, type MessageContract } from './contract.js';
import type { ServiceTopology } from './transport.js';

/**
 * The queues and bindings a service needs to receive `contracts`: events by routing key (a
 * segmented event by the kinds subscribed), commands on its command queue.
 */
export function topologyFor(service: string, contracts: readonly MessageContract[]): ServiceTopology {
  const events = contracts.filter((c) => c.kind === 'event');
  const keys = new Set(events.flatMap(bindingKeysOf));
  // What a broker may still hold from before the keys narrowed: the bare type of a segmented
  // event, and the segments this service does not take.
  const stale = new Set(
    events.flatMap((c) => (c.routing ? [c.type, ...c.routing.segments.map((s) => `${c.type}.${s}`)] : [])),
  );
  for (const k of keys) stale.delete(k);
  return {
    service,
    eventTypes: [...keys].sort(),
    ...(stale.size ? { staleKeys: [...stale].sort() } : {}),
    commands: contracts.some((c) => c.kind === 'command'),
  };
}

/** How what a service's handlers receive differs from what a subscription table lists for it (empty: the same). */
export function subscriptionDrift(handled: ServiceTopology, listed: ServiceTopology): string[] {
  const drift: string[] = [];
  const missing = handled.eventTypes.filter((t) => !listed.eventTypes.includes(t));
  const extra = listed.eventTypes.filter((t) => !handled.eventTypes.includes(t));
  if (missing.length) drift.push(`handles ${missing.join(', ')}, which the table does not list`);
  if (extra.length) drift.push(`the table lists ${extra.join(', ')}, which no handler takes`);
  if (handled.commands !== listed.commands) {
    drift.push(
      handled.commands
        ? 'handles commands the table does not list'
        : 'the table lists commands it does not handle',
    );
  }
  return drift;
}
