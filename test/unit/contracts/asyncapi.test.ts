import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DiagnosticSeverity, Parser } from '@asyncapi/parser';
import { describe, expect, it } from 'vitest';
import * as contracts from '#contracts/index.js';
import { asyncApiFor } from '../../../bin/message-catalogue.js';
import { COMMAND_SENDERS, ownerOf } from '#contracts/publications.js';
import { SUBSCRIPTIONS } from '#contracts/subscriptions.js';
import { SERVICE_NAMES } from '#contracts/services.js';
import type { MessageContract } from '#platform/messaging/contract.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));
type Doc = {
  channels: Record<string, { address: string; bindings: { amqp: Record<string, unknown> } }>;
  operations: Record<string, { action: string; channel: { $ref: string } }>;
  components: { messages: Record<string, unknown> };
};
const whole = asyncApiFor() as Doc;

describe('AsyncAPI document of the bus', () => {
  it('is committed as generated from contracts/ (docs/asyncapi.json)', () => {
    const committed: unknown = JSON.parse(readFileSync(join(root, 'docs/asyncapi.json'), 'utf8'));
    expect(committed, 'docs/asyncapi.json is stale: run `npm run asyncapi` and commit it').toEqual(
      JSON.parse(JSON.stringify(whole)),
    );
  });

  it('parses with @asyncapi/parser with no errors and no warnings (whole, and one service part)', async () => {
    const parser = new Parser();
    for (const doc of [whole, asyncApiFor('sales')]) {
      const { document, diagnostics } = await parser.parse(JSON.stringify(doc));
      const serious = diagnostics
        .filter((d) => d.severity === DiagnosticSeverity.Error || d.severity === DiagnosticSeverity.Warning)
        .map((d) => `${d.code} ${d.message} at ${d.path.join('/')}`);
      expect(serious).toEqual([]);
      expect(document).toBeDefined();
    }
  }, 60_000);

  it('has every message version, its publisher and every subscriber', () => {
    for (const c of contracts.allContracts) {
      expect(whole.components.messages[`${c.type}.v${c.version}`], c.type).toBeDefined();
      const owner = c.kind === 'event' ? ownerOf(c.type) : undefined;
      if (owner) expect(whole.operations[`${owner}.publishes.${c.type}`]?.action).toBe('send');
    }
    for (const service of SERVICE_NAMES) {
      for (const c of SUBSCRIPTIONS[service]) {
        const op = whole.operations[`${service}.receives.${c.type}`];
        expect(op?.action, `${service} receives ${c.type}`).toBe('receive');
        const queue = whole.channels[op!.channel.$ref.split('/').at(-1)!];
        expect(queue?.address).toBe(`${service}.${c.kind === 'event' ? 'events' : 'commands'}`);
      }
    }
    for (const [service, sent] of Object.entries(COMMAND_SENDERS)) {
      for (const c of sent) expect(whole.operations[`${service}.sends.${c.type}`]?.action).toBe('send');
    }
  });

  it('names the exchanges and routing keys: events by type on the topic exchange, commands on <service>.commands', () => {
    const invoice = whole.channels['event.sales.invoice-created'];
    expect(invoice?.address).toBe('sales.invoice-created');
    expect(invoice?.bindings.amqp.exchange).toMatchObject({ name: 'dhanman.events', type: 'topic' });
    const mail = whole.channels['command.notification'];
    expect(mail?.address).toBe('notification.commands');
    expect(mail?.bindings.amqp.exchange).toMatchObject({ name: 'dhanman.commands', type: 'direct' });
  });

  it('gives each service only its own operations (what it serves at /asyncapi.json)', () => {
    const part = asyncApiFor('sales') as Doc;
    expect(Object.keys(part.operations).length).toBeGreaterThan(0);
    expect(Object.keys(part.operations).every((id) => id.startsWith('sales.'))).toBe(true);
    expect(part.channels['command.notification']).toBeDefined();
    expect(part.channels['queue.notification.commands']).toBeUndefined();
  });
});

describe('who publishes what, as the code does it', () => {
  const isContract = (v: unknown): v is MessageContract =>
    typeof v === 'object' && v !== null && 'upcasters' in v && 'schema' in v;
  const named = new Map<string, MessageContract>(
    Object.entries(contracts).flatMap(([name, v]): [string, MessageContract][] =>
      isContract(v) ? [[name, v]] : [],
    ),
  );
  const sourcesOf = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory()
        ? sourcesOf(join(dir, e.name))
        : e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')
          ? [readFileSync(join(dir, e.name), 'utf8')]
          : [],
    );
  // `bus.publish(tx, X, …)`, `work.send(X, …)`, `publish(X, …)`: the contract is the first capitalised argument.
  const calls = /\b(publish|send)\(\s*(?:\w+\s*,\s*)?([A-Z]\w*)\s*,/g;

  it('every event has a publishing service (its type starts with the service name)', () => {
    const orphans = contracts.allContracts.filter((c) => c.kind === 'event' && !ownerOf(c.type));
    expect(orphans.map((c) => c.type)).toEqual([]);
  });

  it('a service publishes only its own events and sends only the commands COMMAND_SENDERS lists for it', () => {
    const undocumented: string[] = [];
    for (const service of SERVICE_NAMES) {
      for (const source of sourcesOf(join(root, 'services', service))) {
        for (const [, verb, name] of source.matchAll(calls)) {
          const c = named.get(name!);
          if (!c) continue;
          if (verb === 'publish' && c.kind === 'event' && ownerOf(c.type) !== service) {
            undocumented.push(
              `${service} publishes ${c.type}, which belongs to ${ownerOf(c.type) ?? 'no service'}`,
            );
          }
          if (verb === 'send' && c.kind === 'command' && !(COMMAND_SENDERS[service] ?? []).includes(c)) {
            undocumented.push(
              `${service} sends ${c.type}: add it to COMMAND_SENDERS in contracts/publications.ts`,
            );
          }
        }
      }
    }
    expect(undocumented).toEqual([]);
  });
});
