import { randomBytes, randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, describe, expect, it } from 'vitest';
import { DEMO_RESIDENTS } from '#contracts/demo.js';
import { SERVICE_NAMES } from '#contracts/services.js';
import { clientSecretVariable } from '#platform/host/service-credentials.js';
import { freeServicePorts, launch, terminate, waitReady, type Launched } from '../../support/processes.js';
import { waitFor } from '../../support/wait.js';

const JWT = /eyJ[\w-]{10,}\.eyJ[\w-]{10,}\.[\w-]{20,}/;

/**
 * `npm start` at debug level through a scenario that handles every kind of secret: sign-ins
 * (right, wrong, malformed), refresh, sign-out, a forged token, an invoice mailed through an SMTP
 * server that wants a password, signing keys sealed with a key-encryption key. Its whole output
 * must hold none of them.
 */
describe('secrets stay out of the logs', () => {
  let proc: Launched | undefined;
  let smtp: SMTPServer | undefined;
  afterAll(async () => {
    if (proc) await terminate(proc, 'SIGKILL');
    await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
  });

  it('logs no password, token, SMTP password, service secret or key-encryption key', async () => {
    const secrets = {
      demoPassword: `demo-${randomBytes(9).toString('base64url')}`,
      smtpPassword: `smtp-${randomBytes(9).toString('base64url')}`,
      serviceSecret: `svc-${randomBytes(18).toString('base64url')}`,
      keyEncryptionKey: randomBytes(32).toString('base64'),
    };
    const mails: string[] = [];
    smtp = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      logger: false,
      onAuth(auth, _session, callback) {
        if (auth.username === 'mailer' && auth.password === secrets.smtpPassword)
          callback(null, { user: 'mailer' });
        else callback(new Error('wrong SMTP credentials'));
      },
      onData(stream, session, callback) {
        stream.resume();
        stream.on('end', () => {
          mails.push(session.envelope.rcptTo.map((r) => r.address).join(','));
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => smtp!.listen(0, '127.0.0.1', resolve));
    const { env: ports, urls } = await freeServicePorts();
    proc = launch('bin/start.ts', [], {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      DHANMAN_DATA_DIR: 'memory://',
      LOG_LEVEL: 'debug',
      DHANMAN_DEMO_PASSWORD: secrets.demoPassword,
      ...Object.fromEntries(SERVICE_NAMES.map((n) => [clientSecretVariable(n), secrets.serviceSecret + n])),
      AUTH_KEY_ENCRYPTION_KEY: secrets.keyEncryptionKey,
      SMTP_HOST: '127.0.0.1',
      SMTP_PORT: String((smtp.server.address() as AddressInfo).port),
      SMTP_USER: 'mailer',
      // This sink offers no STARTTLS: the explicit opt-out (with SMTP_USER, TLS is required by default).
      SMTP_REQUIRE_TLS: 'false',
      SMTP_PASSWORD: secrets.smtpPassword,
      ...ports,
    });
    for (const url of Object.values(urls)) await waitReady(url, proc, 120_000);

    const post = async (url: string, body: unknown, headers: Record<string, string> = {}) => {
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify(body),
      });
      return { status: res.status, text: await res.text() };
    };
    const login = `${urls.common}/api/auth/login`;
    const signedIn = await post(login, { email: 'admin@demo.dhanman.local', password: secrets.demoPassword });
    expect(signedIn.status).toBe(200);
    const { accessToken, refreshToken } = JSON.parse(signedIn.text) as {
      accessToken: string;
      refreshToken: string;
    };
    const issued = [accessToken, refreshToken];
    const wrong = await post(login, {
      email: 'admin@demo.dhanman.local',
      password: `${secrets.demoPassword}x`,
    });
    expect(wrong.status).toBe(401);
    const malformed = await post(login, {
      email: 'a',
      password: secrets.demoPassword,
      extra: { password: secrets.demoPassword },
    });
    expect(malformed.status).toBe(400);
    const refreshed = await post(`${urls.common}/api/auth/refresh`, { refreshToken });
    expect(refreshed.status).toBe(200);
    const next = JSON.parse(refreshed.text) as { accessToken: string; refreshToken: string };
    issued.push(next.accessToken, next.refreshToken);
    expect((await post(`${urls.common}/api/auth/refresh`, { refreshToken })).status).toBe(401);
    expect((await post(`${urls.common}/api/auth/logout`, { refreshToken: next.refreshToken })).status).toBe(
      204,
    );
    const forged = await fetch(`${urls.common}/api/customers`, {
      headers: { authorization: `Bearer ${accessToken}x` },
    });
    expect(forged.status).toBe(401);
    const badService = await post(`${urls.common}/api/auth/token`, {
      grantType: 'client_credentials',
      clientId: 'sales',
      clientSecret: `${secrets.serviceSecret}-not`,
      organizationId: randomUUID(),
    });
    expect(badService.status).toBe(401);
    // An invoice is mailed through the SMTP server with its password.
    const invoice = await post(
      `${urls.sales}/api/invoices`,
      { customerId: DEMO_RESIDENTS[0]!.customerId, amount: '10.00', dueDate: '2031-01-01' },
      { authorization: `Bearer ${accessToken}`, 'idempotency-key': randomUUID() },
    );
    expect(invoice.status).toBe(201);
    await waitFor(
      'the invoice mail at the SMTP server',
      () => mails.includes(DEMO_RESIDENTS[0]!.email),
      60_000,
    );
    for (const body of [signedIn, wrong, malformed, refreshed, badService, invoice]) {
      expect(body.text).not.toContain(secrets.demoPassword);
    }

    expect(await terminate(proc, 'SIGTERM')).toBe(0);
    const output = proc.output();
    expect(output).toMatch(/"level":20/); // debug lines were written
    expect(output).toContain('request completed');
    for (const [name, value] of Object.entries(secrets)) expect(output.includes(value), name).toBe(false);
    for (const token of issued) expect(output.includes(token), 'an issued token').toBe(false);
    expect(output).not.toMatch(JWT);
    expect(output).not.toMatch(/rt_[\w-]{40,}/);
  }, 240_000);
});
