import { describe, expect, it } from 'vitest';
import { SentMails } from '#services/notification/mail/sent-mails.js';

describe('SentMails: a mail sent but not yet recorded is not sent again in this process', () => {
  const counting = () => {
    const sends: string[] = [];
    const send =
      (key: string, fail = false) =>
      async () => {
        sends.push(key);
        if (fail) throw new Error(`550 ${key} refused`);
        return { smtpMessageId: `<${key}-${sends.length}@smtp>` };
      };
    return { sends, send };
  };

  it('answers a mail asked twice (at once or later) with the first send', async () => {
    const sent = new SentMails();
    const { sends, send } = counting();
    const [a, b] = await Promise.all([sent.send('m1\na@x', send('m1')), sent.send('m1\na@x', send('m1'))]);
    const later = await sent.send('m1\na@x', send('m1'));
    expect(sends).toEqual(['m1']);
    expect(b).toEqual(a);
    expect(later).toEqual(a);
  });

  it('tries a failed send again when asked again', async () => {
    const sent = new SentMails();
    const { sends, send } = counting();
    await expect(sent.send('m2\na@x', send('m2', true))).rejects.toThrow('550 m2 refused');
    await expect(sent.send('m2\na@x', send('m2'))).resolves.toMatchObject({ smtpMessageId: '<m2-2@smtp>' });
    expect(sends).toEqual(['m2', 'm2']);
  });

  it('forgets a mail once its record committed, and the oldest past its capacity', async () => {
    const sent = new SentMails(2);
    const { sends, send } = counting();
    await sent.send('k1', send('k1'));
    sent.recorded('k1');
    expect(sent.size).toBe(0);
    await sent.send('k2', send('k2'));
    await sent.send('k3', send('k3'));
    await sent.send('k4', send('k4'));
    expect(sent.size).toBe(2);
    // k2 was the oldest: asked again, it goes out again; k4 does not.
    await sent.send('k2', send('k2'));
    await sent.send('k4', send('k4'));
    expect(sends).toEqual(['k1', 'k2', 'k3', 'k4', 'k2']);
  });
});
