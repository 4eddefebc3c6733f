import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asyncApiFor } from '../../../bin/message-catalogue.js';
import { TYPED_SERVICES, typesFile, typesOf } from '../../../web/server/api-types.js';
import { SERVICE_NAMES, type ServiceName } from '#contracts/services.js';
import { startTestSystem, type TestSystem } from '../../support/system.js';

const root = fileURLToPath(new URL('../../../', import.meta.url));

interface LintReport {
  totals: { errors: number; warnings: number };
  problems: Array<{
    ruleId: string;
    message: string;
    location: Array<{ source: { ref: string }; pointer: string }>;
  }>;
}

/** The documents every service serves about itself, from one running system. */
describe('API documents of all seven services', () => {
  let system: TestSystem;
  const openapi = new Map<ServiceName, unknown>();
  const asyncapi = new Map<ServiceName, unknown>();
  const dir = mkdtempSync(join(tmpdir(), 'dhanman-openapi-'));

  beforeAll(async () => {
    system = await startTestSystem({ mode: 'distributed', seed: false });
    for (const service of SERVICE_NAMES) {
      const base = system.url(service);
      const [oas, aas] = await Promise.all([fetch(`${base}/openapi.json`), fetch(`${base}/asyncapi.json`)]);
      expect([oas.status, aas.status], service).toEqual([200, 200]);
      openapi.set(service, await oas.json());
      asyncapi.set(service, await aas.json());
    }
  });

  afterAll(async () => {
    await system?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("the console's types are those of the documents served (else: npm run console:types)", async () => {
    for (const service of TYPED_SERVICES) {
      const onDisk = readFileSync(join(root, typesFile(service)), 'utf8');
      expect(onDisk === (await typesOf(openapi.get(service))), `${typesFile(service)} is stale`).toBe(true);
    }
  });

  it('every /openapi.json passes `redocly lint` with the recommended rules (redocly.yaml), no error or warning', async () => {
    const files = SERVICE_NAMES.map((service) => {
      const file = join(dir, `${service}.json`);
      writeFileSync(file, JSON.stringify(openapi.get(service), null, 2));
      return file;
    });
    const { stdout } = await promisify(execFile)(
      join(root, 'node_modules/.bin/redocly'),
      ['lint', ...files, '--config', join(root, 'redocly.yaml'), '--format', 'json'],
      {
        cwd: root,
        env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
        maxBuffer: 64 * 1024 * 1024,
      },
    ).catch((err: { stdout?: string; stderr?: string }) => ({
      stdout: err.stdout ?? '',
      stderr: err.stderr,
    }));
    // One JSON report per file, back to back.
    const reports = JSON.parse(`[${stdout.replace(/}\s*{\s*"totals"/g, '},{"totals"')}]`) as LintReport[];
    expect(reports).toHaveLength(files.length);
    const problems = reports
      .flatMap((r) => r.problems)
      .map(
        (p) =>
          `${p.ruleId}: ${p.message} (${p.location[0]?.source.ref ?? '?'} ${p.location[0]?.pointer ?? ''})`,
      );
    expect(problems).toEqual([]);
    for (const r of reports) expect(r.totals).toMatchObject({ errors: 0, warnings: 0 });
  });

  it('every operation has an operationId, a summary and a problem+json answer for a bad request', () => {
    const doc = openapi.get('sales') as { paths: Record<string, Record<string, Record<string, unknown>>> };
    const create = doc.paths['/api/invoices']?.post;
    expect(create).toMatchObject({ operationId: 'postInvoices', security: [{ bearerAuth: [] }] });
    expect(Object.keys(create?.responses as object)).toEqual(
      expect.arrayContaining(['201', '400', '401', '403']),
    );
  });

  it('each service serves its part of the AsyncAPI document at /asyncapi.json', () => {
    for (const service of SERVICE_NAMES) {
      expect(asyncapi.get(service), service).toEqual(JSON.parse(JSON.stringify(asyncApiFor(service))));
    }
    const sales = asyncapi.get('sales') as { operations: Record<string, { action: string }> };
    expect(sales.operations['sales.publishes.sales.invoice-created']?.action).toBe('send');
    expect(sales.operations['sales.receives.common.ledger-posted']?.action).toBe('receive');
  });
});
