import { randomUUID } from 'node:crypto';
import nodemailer from 'nodemailer';
import type { RenderedMail } from '../templates/render.js';
import type { MailConfig } from './config.js';
import { smtpSocket } from './smtp-socket.js';

/** A file sent with a mail (a payslip PDF). */
export interface MailAttachment {
  filename: string;
  contentType: string;
  content: Uint8Array;
}

export interface OutgoingMail extends RenderedMail {
  to: string;
  /** The message that caused the mail: with `to`, the key that makes sending idempotent. */
  messageId: string;
  /** Headers that tie the mail to what caused it (message id, correlation id). */
  headers: Record<string, string>;
  attachments?: MailAttachment[];
}

/** Sends through an SMTP server; throws on failure (the bus retries, then dead-letters with the reason). */
export interface SmtpSender {
  readonly kind: 'smtp';
  readonly from: string;
  send(mail: OutgoingMail): Promise<{ smtpMessageId: string }>;
  close(): void;
}

/** Keeps mail in Notification's database (the embedded default): written in the handler's transaction. */
export interface MailboxSender {
  readonly kind: 'mailbox';
  readonly from: string;
  close(): void;
}

export type MailSender = SmtpSender | MailboxSender;

export function createMailSender(config: MailConfig): MailSender {
  return config.SMTP_HOST
    ? smtpSender(config, config.SMTP_HOST)
    : { kind: 'mailbox', from: config.SMTP_FROM, close() {} };
}

function smtpSender(config: MailConfig, host: string): SmtpSender {
  const transport = nodemailer.createTransport({
    host,
    port: config.SMTP_PORT,
    secure: config.SMTP_SECURE,
    // With credentials, no plain-text fallback: nodemailer fails the send if STARTTLS is not offered.
    requireTLS: config.SMTP_REQUIRE_TLS ?? Boolean(config.SMTP_USER),
    pool: true,
    getSocket: smtpSocket({ host, port: config.SMTP_PORT, timeoutMs: config.SMTP_TIMEOUT_MS }),
    maxConnections: config.SMTP_POOL_SIZE,
    maxMessages: config.SMTP_POOL_MESSAGES,
    connectionTimeout: config.SMTP_TIMEOUT_MS,
    greetingTimeout: config.SMTP_TIMEOUT_MS,
    socketTimeout: config.SMTP_TIMEOUT_MS,
    ...(config.SMTP_USER && config.SMTP_PASSWORD
      ? { auth: { user: config.SMTP_USER, pass: config.SMTP_PASSWORD } }
      : {}),
  });
  const fromDomain = config.SMTP_FROM.replace(/>$/, '').split('@').pop() ?? 'localhost';
  return {
    kind: 'smtp',
    from: config.SMTP_FROM,
    async send(mail) {
      const info = await transport.sendMail({
        from: config.SMTP_FROM,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        // The templates are Latin text, which nodemailer's detection would encode quoted-printable
        // anyway; naming it skips two regular-expression passes over every body (one collects
        // every letter into an array): 4-5% of Notification's CPU in bench:monthly's profile.
        textEncoding: 'quoted-printable',
        // nodemailer draws a Message-ID from the kernel in five calls of a few bytes each (with
        // the parts' boundaries, 4% of Notification's CPU); Node's pooled UUIDs are as unique.
        messageId: `<${randomUUID()}@${fromDomain}>`,
        headers: mail.headers,
        attachments: (mail.attachments ?? []).map((a) => ({
          filename: a.filename,
          contentType: a.contentType,
          content: Buffer.from(a.content),
        })),
      });
      if (info.rejected.length > 0) {
        throw new Error(`SMTP server rejected ${info.rejected.map(String).join(', ')}: ${info.response}`);
      }
      return { smtpMessageId: info.messageId };
    },
    close() {
      transport.close();
    },
  };
}
