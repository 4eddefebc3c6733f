/**
 * The message catalogue behind the AsyncAPI document and the contract gate: contracts/ (schemas
 * only) plus the published versions recorded beside them. Used by the host (`/asyncapi.json`),
 * `npm run asyncapi`, `npm run contracts:record` and the tests.
 */
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { asyncApiDocument, type MessageCatalogue } from '../tools/contracts/asyncapi.js';
import { envelopeSchema } from '#platform/messaging/envelope.js';
import { publishedFormOf, readPublished, type JsonSchema } from '../tools/contracts/published-store.js';
import { allContracts } from '#contracts/index.js';
import { COMMAND_SENDERS, ownerOf } from '#contracts/publications.js';
import { SERVICE_NAMES } from '#contracts/services.js';
import { SUBSCRIPTIONS } from '#contracts/subscriptions.js';

/** Where each published message version's schema is recorded (`npm run contracts:record`). */
export const PUBLISHED_DIR = fileURLToPath(new URL('../contracts/published/', import.meta.url));

/** Every message version (the code's current ones, older ones as recorded), who sends and who receives. */
export function messageCatalogue(): MessageCatalogue {
  const current = allContracts.map(publishedFormOf);
  const older = readPublished(PUBLISHED_DIR).filter((p) =>
    current.some((c) => c.type === p.type && p.version < c.version),
  );
  const messages = [...older, ...current].sort(
    (a, b) => a.type.localeCompare(b.type) || a.version - b.version,
  );
  const { $schema: _ignored, ...envelope } = z.toJSONSchema(envelopeSchema, {
    target: 'draft-7',
    io: 'input',
  }) as JsonSchema;
  const sends = Object.fromEntries(
    SERVICE_NAMES.map((s) => [
      s,
      [
        ...allContracts.filter((c) => c.kind === 'event' && ownerOf(c.type) === s).map((c) => c.type),
        ...(COMMAND_SENDERS[s] ?? []).map((c) => c.type),
      ].sort(),
    ]),
  );
  const receives = Object.fromEntries(
    SERVICE_NAMES.map((s) => [s, SUBSCRIPTIONS[s].map((c) => c.type).sort()]),
  );
  return {
    title: 'Dhanman messages',
    version: '1.0.0',
    description:
      'Events and commands between the Dhanman services over RabbitMQ. Every message is an envelope ' +
      '(messageId, type, version, correlation and tenant ids) around a versioned payload. Generated from ' +
      'contracts/ by `npm run asyncapi`.',
    messages,
    envelope,
    sends,
    receives,
  };
}

/** The whole document, or one service's part (what it serves at `/asyncapi.json`). */
export const asyncApiFor = (service?: string) => asyncApiDocument(messageCatalogue(), service);
