/**
 * `npm run watch`: Prometheus (Debian's package, installed when missing) scraping a running
 * Dhanman, with the shipped alert rules. Targets: DHANMAN_METRICS_URLS (comma-separated base URLs
 * of the services) or, by default, whichever of the default ports answer (`npm start`); RabbitMQ's
 * exporter at RABBITMQ_METRICS_URL or 127.0.0.1:15692 when it answers.
 */
import { resolve } from 'node:path';
import { SERVICE_PORTS } from '#contracts/services.js';
import { ensurePrometheus, prometheusConfig, startPrometheus } from './prometheus.js';

const env = process.env;
const port = Number(env.PROMETHEUS_PORT ?? 9090);
const dir = resolve(env.DHANMAN_DATA_DIR ?? './.dhanman', 'prometheus');
const say = (line: string) => process.stdout.write(`${line}\n`);

const hostOf = (url: string) => new URL(url).host;

/** Answers /metrics, with the process's start time (services of one process share a registry). */
async function probe(base: string): Promise<string | undefined> {
  try {
    const res = await fetch(`${base.replace(/\/+$/, '')}/metrics`, { signal: AbortSignal.timeout(2_000) });
    if (!res.ok) return undefined;
    return /^process_start_time_seconds(?:\{[^}]*\})? (\S+)/m.exec(await res.text())?.[1] ?? base;
  } catch {
    return undefined;
  }
}

const candidates = env.DHANMAN_METRICS_URLS
  ? env.DHANMAN_METRICS_URLS.split(',')
      .map((u) => u.trim())
      .filter(Boolean)
  : Object.values(SERVICE_PORTS).map((p) => `http://127.0.0.1:${p}`);
const seen = new Set<string>();
const services: string[] = [];
for (const base of candidates) {
  const started = await probe(base);
  if (started === undefined) {
    say(`  ${base}: no /metrics answer (not running?) - left out`);
    continue;
  }
  // Embedded: every service of the process serves the same registry; scraping one is enough
  // (scraping each would count every figure several times).
  if (seen.has(started) && !env.DHANMAN_METRICS_URLS) continue;
  seen.add(started);
  services.push(hostOf(base));
}
if (services.length === 0) {
  say('No Dhanman service answers. Start one first (npm start), or set DHANMAN_METRICS_URLS.');
  process.exit(1);
}
const rabbitUrl = env.RABBITMQ_METRICS_URL ?? 'http://127.0.0.1:15692';
const rabbitmq = (await probe(rabbitUrl)) === undefined ? undefined : hostOf(rabbitUrl);

await ensurePrometheus(say);
const prometheus = await startPrometheus({
  dir,
  port,
  host: env.PROMETHEUS_HOST ?? '127.0.0.1',
  config: prometheusConfig({ services, rabbitmq, intervalSeconds: Number(env.SCRAPE_INTERVAL_SECONDS ?? 5) }),
});
say(`
Prometheus is watching Dhanman at ${prometheus.url}
  scraping:   ${services.join(', ')}${rabbitmq ? ` and RabbitMQ at ${rabbitmq}` : ' (no RabbitMQ exporter found)'}
  targets:    ${prometheus.url}/targets
  alerts:     ${prometheus.url}/alerts   (rules: ops/prometheus/alerts.yml)
  a graph:    ${prometheus.url}/graph?g0.expr=${encodeURIComponent('sum by (service) (rate(dhanman_messages_consumed_total[1m]))')}
  dashboard:  import ops/grafana/dashboards/dhanman.json into Grafana with this Prometheus as its data source
  data:       ${dir}
Ctrl-C stops it.`);

const stop = () => void prometheus.stop().then(() => process.exit(0));
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
prometheus.process.on('exit', (code) => {
  say(`prometheus exited (${code})`);
  process.exit(code ?? 1);
});
