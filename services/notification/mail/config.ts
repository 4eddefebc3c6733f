import { z } from 'zod';
import { env, loadConfig } from '#platform/config/env.js';

/**
 * Where mail goes. With SMTP_HOST set, through that server; without it (the embedded default),
 * into the mailbox kept in Notification's database.
 */
export const mailConfigSchema = z.object({
  SMTP_HOST: z.string().min(1).optional(),
  SMTP_PORT: env.port(587),
  SMTP_SECURE: env.bool(false),
  SMTP_USER: z.string().min(1).optional(),
  SMTP_PASSWORD: z.string().min(1).optional(),
  SMTP_FROM: z
    .string()
    .min(3)
    .regex(/@/, 'expected an email address, e.g. "Dhanman <no-reply@example.org>"')
    .default('Dhanman <no-reply@dhanman.local>'),
  /**
   * STARTTLS required before the password is sent. Unset: required whenever SMTP_USER is set (a
   * password must not cross the network in the clear); `false` is the explicit opt-out (a relay
   * on the same host).
   */
  SMTP_REQUIRE_TLS: z
    .enum(['true', 'false', '1', '0'], { message: 'expected true or false' })
    .transform((s) => s === 'true' || s === '1')
    .optional(),
  /** Connections to the SMTP server at most (nodemailer's pool); a batch's mails share them. */
  SMTP_POOL_SIZE: env.int(5, 1),
  /**
   * Mails per connection before it is replaced (nodemailer's default, 100): servers often cap the
   * mails a connection may carry and refuse the next one rather than close.
   */
  SMTP_POOL_MESSAGES: env.int(100, 1),
  SMTP_TIMEOUT_MS: env.int(10_000, 1),
});

export type MailConfig = z.infer<typeof mailConfigSchema>;

export function loadMailConfig(source: Record<string, string | undefined>): MailConfig {
  const config = loadConfig(mailConfigSchema, source);
  if (Boolean(config.SMTP_USER) !== Boolean(config.SMTP_PASSWORD)) {
    // Same message shape as loadConfig's, so the operator sees one kind of error.
    return loadConfig(
      mailConfigSchema.refine(() => false, {
        path: ['SMTP_PASSWORD'],
        message: 'SMTP_USER and SMTP_PASSWORD go together: set both or neither',
      }),
      source,
    );
  }
  return config;
}
