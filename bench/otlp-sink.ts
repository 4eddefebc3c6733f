import { spawn } from 'node:child_process';

/**
 * An OTLP/HTTP trace collector in a process of its own (as a real collector would be), counting
 * the spans it receives: the benches' "tracing exporting" variant sends its spans here.
 */
export interface OtlpSink {
  endpoint: string;
  /** Spans received so far. */
  spans(): Promise<number>;
  close(): Promise<void>;
}

const SERVER = `
const http = require('node:http');
let spans = 0;
const server = http.createServer((req, res) => {
  if (req.method === 'GET') return res.end(String(spans));
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    try {
      for (const rs of JSON.parse(Buffer.concat(chunks).toString()).resourceSpans ?? [])
        for (const ss of rs.scopeSpans ?? []) spans += (ss.spans ?? []).length;
    } catch {}
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

export async function startOtlpSink(): Promise<OtlpSink> {
  const child = spawn(process.execPath, ['-e', SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.stdout.once('data', (c: Buffer) => resolve(Number(c.toString().trim())));
  });
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    spans: async () => Number(await (await fetch(`${endpoint}/count`)).text()),
    close: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}
