import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SERVICE_NAMES } from '#contracts/services.js';
import { SUBSCRIPTIONS } from '#contracts/subscriptions.js';
import { handlersOf, ROOT, withMessagesSection } from '../../../scripts/service-messages.js';

const withReadme = SERVICE_NAMES.filter((s) => existsSync(join(ROOT, 'services', s, 'README.md')));

describe("each service README's consumes / publishes table", () => {
  it.each(withReadme)('%s: is as generated from contracts/ (npm run readme:messages)', (service) => {
    const readme = readFileSync(join(ROOT, 'services', service, 'README.md'), 'utf8');
    expect(readme, `services/${service}/README.md is stale: run \`npm run readme:messages\``).toBe(
      withMessagesSection(readme, service),
    );
  });

  // Notification is being reshaped by another change; its UserCreated comes from the host's replica.
  it.each(SERVICE_NAMES.filter((s) => s !== 'notification'))(
    '%s: every message it consumes is named by one of its <feature>/handlers.ts',
    (service) => {
      const unnamed = SUBSCRIPTIONS[service].filter((c) => handlersOf(service, c).length === 0);
      expect(unnamed.map((c) => c.type)).toEqual([]);
    },
  );
});
