import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';

/** A mail as the SMTP server received it, decoded enough to assert on. */
export interface ReceivedMail {
  envelopeTo: string[];
  headers: Record<string, string>;
  subject: string;
  text: string;
  html: string;
  /** Parts sent as attachments (decoded). */
  attachments: Array<{ filename: string; contentType: string; content: Buffer }>;
}

export interface SmtpSink {
  port: number;
  mails: ReceivedMail[];
  /** Refuse (451) every mail while true: a broken SMTP server. */
  failing: boolean;
  close(): Promise<void>;
}

/** A real SMTP server on loopback (the `smtp-server` package) that keeps what it receives. */
export async function startSmtpSink(): Promise<SmtpSink> {
  const sink: SmtpSink = { port: 0, mails: [], failing: false, close: async () => undefined };
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (sink.failing) {
          const err = Object.assign(new Error('mailbox temporarily unavailable'), { responseCode: 451 });
          callback(err);
          return;
        }
        sink.mails.push(
          parseMail(
            Buffer.concat(chunks).toString('utf8'),
            session.envelope.rcptTo.map((r) => r.address),
          ),
        );
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  sink.port = (server.server.address() as AddressInfo).port;
  sink.close = () => new Promise((resolve) => server.close(() => resolve()));
  return sink;
}

function parseHeaders(block: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of block.replace(/\r?\n[ \t]+/g, ' ').split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return headers;
}

function decodeWords(value: string): string {
  return value
    .replace(/\?=\s+=\?/g, '?==?')
    .replace(/=\?([^?]+)\?([bBqQ])\?([^?]*)\?=/g, (_m, _charset: string, enc: string, text: string) =>
      enc.toUpperCase() === 'B'
        ? Buffer.from(text, 'base64').toString('utf8')
        : decodeQuotedPrintable(text.replace(/_/g, ' ')),
    );
}

function decodeQuotedPrintable(text: string): string {
  const bytes = text
    .replace(/=\r?\n/g, '')
    .replace(/=([0-9A-F]{2})/gi, (_m, hex: string) => `%${hex}`)
    .replace(/%(?![0-9A-F]{2})/gi, '%25');
  return decodeURIComponent(bytes);
}

function decodeBody(headers: Record<string, string>, body: string): string {
  const encoding = (headers['content-transfer-encoding'] ?? '').toLowerCase();
  if (encoding === 'base64') return Buffer.from(body.replace(/\s+/g, ''), 'base64').toString('utf8');
  if (encoding === 'quoted-printable') return decodeQuotedPrintable(body);
  return body;
}

function split(raw: string): [string, string] {
  const at = raw.search(/\r?\n\r?\n/);
  return at < 0 ? [raw, ''] : [raw.slice(0, at), raw.slice(at).replace(/^\r?\n\r?\n/, '')];
}

function parseMail(raw: string, envelopeTo: string[]): ReceivedMail {
  const [head, body] = split(raw);
  const headers = parseHeaders(head);
  const mail: ReceivedMail = {
    envelopeTo,
    headers,
    subject: decodeWords(headers.subject ?? ''),
    text: '',
    html: '',
    attachments: [],
  };
  const collect = (partHeaders: Record<string, string>, partBody: string) => {
    const type = partHeaders['content-type'] ?? 'text/plain';
    const boundary = /boundary="?([^";]+)"?/i.exec(type)?.[1];
    if (boundary) {
      for (const part of partBody.split(`--${boundary}`).slice(1)) {
        if (part.startsWith('--')) break;
        const [h, b] = split(part.replace(/^\r?\n/, ''));
        collect(parseHeaders(h), b);
      }
    } else if (/^attachment/i.test(partHeaders['content-disposition'] ?? '')) {
      const disposition = partHeaders['content-disposition'] ?? '';
      const filename = /filename="?([^";]+)"?/i.exec(disposition)?.[1] ?? '';
      const content =
        (partHeaders['content-transfer-encoding'] ?? '').toLowerCase() === 'base64'
          ? Buffer.from(partBody.replace(/\s+/g, ''), 'base64')
          : Buffer.from(partBody, 'binary');
      mail.attachments.push({ filename, contentType: type.split(';')[0]!.trim(), content });
    } else if (type.startsWith('text/html')) mail.html += decodeBody(partHeaders, partBody);
    else if (type.startsWith('text/plain')) mail.text += decodeBody(partHeaders, partBody);
  };
  collect(headers, body);
  return mail;
}
