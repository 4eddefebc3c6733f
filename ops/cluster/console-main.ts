/**
 * The web console as a process of the cluster: served on CONSOLE_PORT, passing `/svc/<name>/*` on
 * to each service's `<NAME>_URL` (the balancer), built first when missing or stale.
 */
import { SERVICE_NAMES } from '#contracts/services.js';
import { startWebConsole } from '../../web/server/web-console.js';

const urls: Record<string, string> = {};
for (const name of SERVICE_NAMES) {
  const url = process.env[`${name.toUpperCase()}_URL`];
  if (url === undefined) throw new Error(`${name.toUpperCase()}_URL is not set`);
  urls[name] = url;
}
const running = await startWebConsole(urls, process.env, (msg) => process.stdout.write(`${msg}\n`));
process.stdout.write(`console listening on ${running.url}\n`);
const stop = () => {
  void running.stop().finally(() => process.exit(0));
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
