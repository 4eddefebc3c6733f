import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMailConfig } from '#services/notification/mail/config.js';
import { createMailSender, type SmtpSender } from '#services/notification/mail/sender.js';

/** With SMTP credentials, the password never crosses the network in the clear (STARTTLS required). */
describe('SMTP with credentials requires TLS', () => {
  let server: SMTPServer;
  let port: number;
  const logins: string[] = [];
  let delivered = 0;

  beforeAll(async () => {
    // A server that offers no STARTTLS and would take a password in the clear.
    server = new SMTPServer({
      disabledCommands: ['STARTTLS'],
      allowInsecureAuth: true,
      logger: false,
      onAuth(auth, _session, callback) {
        logins.push(auth.username ?? '');
        callback(null, { user: auth.username });
      },
      onData(stream, _session, callback) {
        stream.resume();
        stream.on('end', () => {
          delivered += 1;
          callback();
        });
      },
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.server.address() as AddressInfo).port;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const mail = {
    to: 'someone@example.org',
    subject: 's',
    text: 't',
    html: '<p>t</p>',
    messageId: '00000000-0000-4000-8000-000000000001',
    headers: {},
  };
  const sender = (extra: Record<string, string>) =>
    createMailSender(
      loadMailConfig({ SMTP_HOST: '127.0.0.1', SMTP_PORT: String(port), SMTP_TIMEOUT_MS: '5000', ...extra }),
    ) as SmtpSender;

  it('refuses to log in without STARTTLS, and sends only with the explicit opt-out', async () => {
    const strict = sender({ SMTP_USER: 'mailer', SMTP_PASSWORD: 'smtp-password' });
    await expect(strict.send(mail)).rejects.toThrow();
    strict.close();
    expect(logins).toEqual([]);
    expect(delivered).toBe(0);

    const optedOut = sender({
      SMTP_USER: 'mailer',
      SMTP_PASSWORD: 'smtp-password',
      SMTP_REQUIRE_TLS: 'false',
    });
    await optedOut.send(mail);
    optedOut.close();
    expect(logins).toEqual(['mailer']);
    expect(delivered).toBe(1);
  });
});
