/**
 * `npm run asyncapi`: writes the AsyncAPI 3 document of every message (generated from contracts/)
 * to docs/asyncapi.json. A test fails while the committed file differs from what this writes.
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { asyncApiFor } from '../bin/message-catalogue.js';
import { formatJson } from './format-json.js';

export const ASYNCAPI_FILE = fileURLToPath(new URL('../docs/asyncapi.json', import.meta.url));

writeFileSync(ASYNCAPI_FILE, await formatJson(ASYNCAPI_FILE, asyncApiFor()));
process.stdout.write(`wrote ${ASYNCAPI_FILE}\n`);
