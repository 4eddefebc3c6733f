/** `npm run readme:messages`: writes each service README's consumes / publishes table (service-messages.ts). */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SERVICE_NAMES } from '#contracts/services.js';
import { ROOT, withMessagesSection } from './service-messages.js';

for (const service of SERVICE_NAMES) {
  const file = join(ROOT, 'services', service, 'README.md');
  if (!existsSync(file)) continue; // a service without a README yet (the gateway)
  const before = readFileSync(file, 'utf8');
  const after = withMessagesSection(before, service);
  if (after !== before) writeFileSync(file, after);
  process.stdout.write(`${after === before ? 'unchanged' : 'wrote'} ${file}\n`);
}
