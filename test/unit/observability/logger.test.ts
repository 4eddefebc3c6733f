import { describe, expect, it } from 'vitest';
import { createLogger } from '#platform/observability/logger.js';

/** Logs one line through a real logger and reads it back as JSON. */
function logged(fields: Record<string, unknown>): Record<string, unknown> {
  const lines: string[] = [];
  const log = createLogger('sales', 'info', { write: (line: string) => void lines.push(line) });
  log.info(fields, 'configuration read');
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]!) as Record<string, unknown>;
}

describe('log redaction', () => {
  it('hides any *_CLIENT_SECRET, *_SECRET and *PASSWORD* key, whatever service or variable names it', () => {
    const line = logged({
      SALES_CLIENT_SECRET: 's1',
      LAUNDRY_CLIENT_SECRET: 's2',
      WEBHOOK_SECRET: 's3',
      SMTP_PASSWORD: 'p1',
      DATABASE_PASSWORD_FILE_CONTENT: 'p2',
      passwordHash: 'h',
      clientSecret: 'c',
      GATEWAY_API_KEY: 'k',
      AUTH_KEY_ENCRYPTION_KEY: 'e',
      refreshToken: 't',
      SALES_PORT: 3003,
      invoiceId: 'inv-1',
    });
    for (const key of [
      'SALES_CLIENT_SECRET',
      'LAUNDRY_CLIENT_SECRET',
      'WEBHOOK_SECRET',
      'SMTP_PASSWORD',
      'DATABASE_PASSWORD_FILE_CONTENT',
      'passwordHash',
      'clientSecret',
      'GATEWAY_API_KEY',
      'AUTH_KEY_ENCRYPTION_KEY',
      'refreshToken',
    ]) {
      expect(line[key], key).toBe('[redacted]');
    }
    // What is not a secret stays readable.
    expect(line).toMatchObject({ SALES_PORT: 3003, invoiceId: 'inv-1', service: 'sales' });
    expect(JSON.stringify(line)).not.toMatch(/"(s1|s2|s3|p1|p2|h|c|k|e|t)"/);
  });

  it('hides them inside nested objects and headers, and keeps errors and other fields', () => {
    const line = logged({
      config: {
        smtp: { host: 'mail.example', auth: { user: 'u', pass: 'hunter2' } },
        PAYROLL_CLIENT_SECRET: 'x',
      },
      headers: { authorization: 'Bearer abc', accept: 'application/json' },
      err: new Error('SMTP refused'),
    });
    expect(line.config).toEqual({
      smtp: { host: 'mail.example', auth: { user: 'u', pass: '[redacted]' } },
      PAYROLL_CLIENT_SECRET: '[redacted]',
    });
    expect(line.headers).toEqual({ authorization: '[redacted]', accept: 'application/json' });
    expect(line.err).toMatchObject({ message: 'SMTP refused', type: 'Error' });
  });
});
