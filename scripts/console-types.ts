/**
 * `npm run console:types`: starts the services (embedded, in memory, no seed), reads each one's
 * /openapi.json and writes the console's types (web/src/generated/api-types/). Run it after changing a route
 * the console calls; api-documents.test.ts fails while the files are stale.
 */
import { writeFileSync } from 'node:fs';
import { startSystem } from '../bin/system.js';
import { TYPED_SERVICES, typesFile, typesOf } from '../web/server/api-types.js';

const system = await startSystem({
  env: { ...process.env, LOG_LEVEL: 'warn', DHANMAN_DATA_DIR: 'memory://' },
  seed: false,
  freePorts: true,
  console: false,
});
try {
  for (const service of TYPED_SERVICES) {
    const document = await (await fetch(`${system.url(service)}/openapi.json`)).json();
    writeFileSync(typesFile(service), await typesOf(document));
    console.info(`wrote ${typesFile(service)}`);
  }
} finally {
  await system.stop();
}
