import nodemailer from 'nodemailer';
import type { Queryable } from '../../../platform/data/db.js';
import type { RenderedMail } from '../templates/render.js';
import type { MailConfig } from './config.js';

export interface OutgoingMail extends RenderedMail {
  to: string;
  /** The message that caused the mail: with `to`, the key that makes sending idempotent. */
  messageId: string;
  /** Headers that tie the mail to what caused it (message id, correlation id). */
  headers: Record<string, string>;
}

/**
 * Delivers one mail. SMTP throws on failure (the bus retries, then dead-letters with the reason);
 * the mailbox writes in the handler's transaction, so it is exactly once.
 */
export interface MailSender {
  readonly kind: 'smtp' | 'mailbox';
  readonly from: string;
  send(q: Queryable, mail: OutgoingMail): Promise<{ smtpMessageId?: string }>;
  verify(): Promise<boolean>;
  close(): void;
}

export function createMailSender(config: MailConfig): MailSender {
  return config.SMTP_HOST ? smtpSender(config, config.SMTP_HOST) : mailboxSender(config.SMTP_FROM);
}

function smtpSender(config: MailConfig, host: string): MailSender {
  const transport = nodemailer.createTransport({
    host,
    port: config.SMTP_PORT,
    secure: config.SMTP_SECURE,
    pool: true,
    maxConnections: config.SMTP_POOL_SIZE,
    maxMessages: Infinity,
    connectionTimeout: config.SMTP_TIMEOUT_MS,
    greetingTimeout: config.SMTP_TIMEOUT_MS,
    socketTimeout: config.SMTP_TIMEOUT_MS,
    ...(config.SMTP_USER && config.SMTP_PASSWORD
      ? { auth: { user: config.SMTP_USER, pass: config.SMTP_PASSWORD } }
      : {}),
  });
  return {
    kind: 'smtp',
    from: config.SMTP_FROM,
    async send(_q, mail) {
      const info = await transport.sendMail({
        from: config.SMTP_FROM,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        headers: mail.headers,
      });
      if (info.rejected.length > 0) {
        throw new Error(`SMTP server rejected ${info.rejected.map(String).join(', ')}: ${info.response}`);
      }
      return { smtpMessageId: info.messageId };
    },
    async verify() {
      return transport.verify().then(
        () => true,
        () => false,
      );
    },
    close() {
      transport.close();
    },
  };
}

function mailboxSender(from: string): MailSender {
  return {
    kind: 'mailbox',
    from,
    async send(q, mail) {
      await q.query(
        'INSERT INTO mailbox (message_id, recipient, sender, html, text) VALUES ($1, $2, $3, $4, $5)',
        [mail.messageId, mail.to, from, mail.html, mail.text],
      );
      return {};
    },
    verify: async () => true,
    close() {},
  };
}
