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
  SMTP_POOL_SIZE: env.int(5, 1),
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
