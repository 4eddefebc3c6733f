import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { ConfigError, env, exitOnConfigError, loadConfig } from '#platform/config/env.js';

const schema = z.object({
  DATABASE_URL: env.url(['postgres', 'postgresql']),
  AMQP_URL: env.url(['amqp', 'amqps']).optional(),
  PORT: env.port(5003),
  BUS_PREFETCH: env.int(100, 1),
  BUS_RETRY_DELAYS_MS: env.msList([1000, 5000, 15000]),
  DHANMAN_DEMO: env.bool(false),
});

function loadConfigProblems(s: z.ZodObject, vars: Record<string, string>): string {
  try {
    loadConfig(s, vars);
  } catch (err) {
    return (err as ConfigError).problems.join('\n');
  }
  throw new Error('expected a configuration error');
}

/** The problems a ConfigError lists for `vars`, or fails the test when loading succeeds. */
function problems(vars: Record<string, string | undefined>): string[] {
  try {
    loadConfig(schema, { DATABASE_URL: 'postgres://db:5432/postgres', ...vars });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as ConfigError).problems;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('parses valid values into numbers, lists and booleans', () => {
    const config = loadConfig(schema, {
      DATABASE_URL: 'postgres://user:pass@db:5432/postgres',
      AMQP_URL: 'amqps://mq.example:5671',
      PORT: '6003',
      BUS_PREFETCH: '20',
      BUS_RETRY_DELAYS_MS: '10,50,200',
      DHANMAN_DEMO: 'true',
    });
    expect(config).toEqual({
      DATABASE_URL: 'postgres://user:pass@db:5432/postgres',
      AMQP_URL: 'amqps://mq.example:5671',
      PORT: 6003,
      BUS_PREFETCH: 20,
      BUS_RETRY_DELAYS_MS: [10, 50, 200],
      DHANMAN_DEMO: true,
    });
  });

  it('applies defaults when a variable is unset or empty, and ignores unrelated variables', () => {
    const config = loadConfig(schema, {
      DATABASE_URL: 'postgres://db/x',
      PORT: '',
      DHANMAN_DEMO: '0',
      OTHER: 'x',
    });
    expect(config).toEqual({
      DATABASE_URL: 'postgres://db/x',
      AMQP_URL: undefined,
      PORT: 5003,
      BUS_PREFETCH: 100,
      BUS_RETRY_DELAYS_MS: [1000, 5000, 15000],
      DHANMAN_DEMO: false,
    });
  });

  it('reports a missing required variable by name', () => {
    const [problem, ...rest] = problems({ DATABASE_URL: undefined });
    expect(rest).toEqual([]);
    expect(problem).toMatch(/^DATABASE_URL: /);
    expect(problem).toContain('expected a URL (postgres, postgresql)');
    expect(problem).toContain('it is not set');
  });

  it('reports a value of the wrong type, naming the variable and the value it got', () => {
    const [port] = problems({ PORT: 'eighty' });
    expect(port).toMatch(/^PORT: .*number/);
    expect(port).toContain('got "eighty"');
    const [prefetch] = problems({ BUS_PREFETCH: '0' });
    expect(prefetch).toMatch(/^BUS_PREFETCH: /);
    expect(prefetch).toContain('got "0"');
    const [range] = problems({ PORT: '70000' });
    expect(range).toMatch(/^PORT: /);
    expect(range).toContain('got "70000"');
  });

  it('reports a bad URL and a URL of the wrong kind', () => {
    const [notUrl] = problems({ AMQP_URL: 'rabbit on localhost' });
    expect(notUrl).toMatch(/^AMQP_URL: expected a URL \(amqp, amqps\)/);
    expect(notUrl).toContain('got "rabbit on localhost"');
    const [wrongKind] = problems({ AMQP_URL: 'http://localhost:5672' });
    expect(wrongKind).toMatch(/^AMQP_URL: expected a URL starting with amqp:\/\/ or amqps:\/\//);
  });

  it('never echoes a secret variable’s value or a URL’s password', () => {
    const secret = loadConfigProblems(z.object({ SMTP_PASSWORD: z.string().min(20) }), {
      SMTP_PASSWORD: 'hunter2-secret',
    });
    expect(secret).toContain('got a value of 14 characters, not shown');
    expect(secret).not.toContain('hunter2');
    const [url] = problems({ AMQP_URL: 'http://guest:s3cr3t-pass@localhost:5672' });
    expect(url).toContain('got "http://guest:***@localhost:5672"');
    expect(url).not.toContain('s3cr3t');
  });

  it('reports a bad list and a bad boolean with what was expected', () => {
    for (const bad of ['1s,5s', '1000,,5000', '1000, 5000', '-5']) {
      const [problem] = problems({ BUS_RETRY_DELAYS_MS: bad });
      expect(problem).toMatch(/^BUS_RETRY_DELAYS_MS: expected a comma-separated list of whole milliseconds/);
      expect(problem).toContain(`got ${JSON.stringify(bad)}`);
    }
    const [bool] = problems({ DHANMAN_DEMO: 'yes' });
    expect(bool).toMatch(/^DHANMAN_DEMO: expected true or false/);
  });

  it('reports every problem at once, one line per variable, in the error message', () => {
    let error: unknown;
    try {
      loadConfig(schema, { PORT: 'x', BUS_RETRY_DELAYS_MS: 'soon', DHANMAN_DEMO: 'maybe' });
    } catch (err) {
      error = err;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const { problems: listed, message } = error as ConfigError;
    expect(listed.map((p) => p.split(':')[0]).sort()).toEqual([
      'BUS_RETRY_DELAYS_MS',
      'DATABASE_URL',
      'DHANMAN_DEMO',
      'PORT',
    ]);
    for (const p of listed) expect(message).toContain(`  - ${p}`);
  });
});

describe('exitOnConfigError', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('prints the message without a stack trace and exits with 78 (EX_CONFIG)', () => {
    const exit = vi.spyOn(process, 'exit').mockImplementation(((code: number) => {
      throw new Error(`exit ${code}`);
    }) as never);
    const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    expect(() => exitOnConfigError(new ConfigError(['PORT: expected a number (got "x")']))).toThrow(
      'exit 78',
    );
    expect(exit).toHaveBeenCalledWith(78);
    expect(write).toHaveBeenCalledWith('Invalid configuration:\n  - PORT: expected a number (got "x")\n');
  });

  it('rethrows anything that is not a configuration problem', () => {
    const boom = new Error('boom');
    expect(() => exitOnConfigError(boom)).toThrow(boom);
  });
});
