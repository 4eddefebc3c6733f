import { describe, expect, it } from 'vitest';
import { ConfigError } from '#platform/config/env.js';
import { loadMailConfig } from '#services/notification/mail/config.js';

describe('the SMTP pool settings', () => {
  it('default to 5 connections and 100 mails per connection', () => {
    const config = loadMailConfig({ SMTP_HOST: 'smtp.example' });
    expect(config).toMatchObject({ SMTP_POOL_SIZE: 5, SMTP_POOL_MESSAGES: 100 });
  });

  it('take whole numbers from 1 up', () => {
    const config = loadMailConfig({
      SMTP_HOST: 'smtp.example',
      SMTP_POOL_SIZE: '16',
      SMTP_POOL_MESSAGES: '1',
    });
    expect(config).toMatchObject({ SMTP_POOL_SIZE: 16, SMTP_POOL_MESSAGES: 1 });
  });

  it('refuse anything else, naming the variable and the value', () => {
    for (const [variable, value] of [
      ['SMTP_POOL_MESSAGES', '0'],
      ['SMTP_POOL_MESSAGES', 'many'],
      ['SMTP_POOL_MESSAGES', '2.5'],
      ['SMTP_POOL_SIZE', '0'],
    ] as const) {
      const load = () => loadMailConfig({ SMTP_HOST: 'smtp.example', [variable]: value });
      expect(load, `${variable}=${value}`).toThrow(ConfigError);
      expect(load, `${variable}=${value}`).toThrow(
        new RegExp(`${variable}: .*got "${value.replace('.', '\\.')}"`),
      );
    }
  });
});
