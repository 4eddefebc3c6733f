import type { FastifyReply, FastifyRequest } from 'fastify';

/** The value of one CSV cell: text is quoted when it holds a comma, a quote or a line break. */
function cell(value: string | number | null | undefined): string {
  const text = value === null || value === undefined ? '' : String(value);
  // A leading =, +, @ (or - before a non-number) makes spreadsheets run the cell as a formula.
  const safe = /^[=+@]/.test(text) || /^-(?!\d)/.test(text) ? `'${text}` : text;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}

/** RFC 4180 text: a header line, then one line per row, CRLF line ends. */
export function toCsv(
  header: readonly string[],
  rows: ReadonlyArray<ReadonlyArray<string | number | null>>,
): string {
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

/** True when the caller's `Accept` names `type` (`text/csv`, `application/pdf`) rather than JSON. */
export const accepts = (request: FastifyRequest, type: string): boolean =>
  (request.headers.accept ?? '').toLowerCase().includes(type);

/**
 * Sends a file (CSV text, PDF bytes) named `filename`: a download, or shown in the browser when
 * `inline`. The route's JSON response schema is not involved (a non-JSON body is sent as is).
 */
export function sendFile(
  reply: FastifyReply,
  file: { type: string; filename: string; body: string | Uint8Array; inline?: boolean },
): FastifyReply {
  return reply
    .type(file.type)
    .header('content-disposition', `${file.inline ? 'inline' : 'attachment'}; filename="${file.filename}"`)
    .send(typeof file.body === 'string' ? file.body : Buffer.from(file.body));
}

/** CSV as a download. */
export const sendCsv = (reply: FastifyReply, filename: string, csv: string): FastifyReply =>
  sendFile(reply, { type: 'text/csv; charset=utf-8', filename, body: csv });
