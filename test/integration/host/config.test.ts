import { describe, expect, it } from 'vitest';
import { launch } from '../../support/processes.js';

const base = { PATH: process.env.PATH, HOME: process.env.HOME };

/** A wrong or missing setting stops the process with a message naming it: no stack trace, non-zero exit. */
describe('bad configuration', { timeout: 120_000 }, () => {
  it('a single service without DATABASE_URL and with a malformed AMQP_URL names both and exits 78', async () => {
    const proc = launch('bin/service.ts', ['sales'], { ...base, AMQP_URL: 'http://broker:5672' });
    expect(await proc.exited).toBe(78);
    const out = proc.output();
    expect(out).toMatch(/DATABASE_URL: .*it is not set/);
    expect(out).toMatch(
      /AMQP_URL: expected a URL starting with amqp:\/\/ or amqps:\/\/ \(got "http:\/\/broker:5672"\)/,
    );
    expect(out).not.toMatch(/\n\s+at /);
  });

  it('an unknown service name is refused with the list of services', async () => {
    const proc = launch('bin/service.ts', ['billing'], base);
    expect(await proc.exited).toBe(78);
    expect(proc.output()).toMatch(
      /expected one of common, community, sales, purchase, payroll, notification, gateway/,
    );
  });

  it('npm start with a malformed retry ladder, port and log format names each variable', async () => {
    const proc = launch('bin/start.ts', [], {
      ...base,
      BUS_RETRY_DELAYS_MS: '1s,5s',
      SALES_PORT: '70000',
      LOG_FORMAT: 'fancy',
    });
    expect(await proc.exited).toBe(78);
    const out = proc.output();
    expect(out).toMatch(/LOG_FORMAT: .*"pretty".*"json".* \(got "fancy"\)/);
    expect(out).toMatch(/BUS_RETRY_DELAYS_MS: expected a comma-separated list of whole milliseconds/);
    expect(out).toMatch(/SALES_PORT: .*65535 \(got "70000"\)/);
    expect(out).not.toMatch(/\n\s+at /);
  });

  it('only one of DATABASE_URL and AMQP_URL is refused', async () => {
    const proc = launch('bin/start.ts', [], { ...base, DATABASE_URL: 'postgres://127.0.0.1:1/postgres' });
    expect(await proc.exited).toBe(78);
    expect(proc.output()).toMatch(/DATABASE_URL and AMQP_URL: expected both/);
  });
});
