/**
 * `npm run contracts:record`: records the published schema of each message version the code
 * declares and contracts/published/ does not hold yet (or holds in an older, compatible form).
 * It refuses a change that breaks consumers of a recorded version: that needs a new version.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { allContracts } from '#contracts/index.js';
import { PUBLISHED_DIR } from '../bin/message-catalogue.js';
import { publishedFileName, publishedFormOf, readPublished } from '../tools/contracts/published-store.js';
import { checkContracts, recordable } from '../tools/contracts/contract-gate.js';
import { formatJson } from './format-json.js';

const findings = checkContracts(allContracts, readPublished(PUBLISHED_DIR));
for (const f of findings.filter(recordable)) {
  const contract = allContracts.find((c) => c.type === f.type);
  if (!contract) continue;
  const record = publishedFormOf(contract);
  const file = join(PUBLISHED_DIR, publishedFileName(record));
  mkdirSync(PUBLISHED_DIR, { recursive: true });
  writeFileSync(file, await formatJson(file, record));
  process.stdout.write(`${f.problem === 'unrecorded' ? 'recorded' : 'updated'} ${file}\n`);
}
const refused = findings.filter((f) => !recordable(f));
for (const f of refused) process.stderr.write(`${f.message}\n\n`);
if (refused.length === 0 && !findings.some(recordable))
  process.stdout.write('every message version is recorded\n');
process.exitCode = refused.length > 0 ? 1 : 0;
