import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadOrCreateSecrets } from '../../../ops/cluster/secrets.js';

const dirs: string[] = [];
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('cluster secrets', () => {
  // rabbitmqctl read a password starting with '-' as options, and the cluster failed to start.
  it('passwords given to rabbitmqctl and initdb as arguments never start with "-"', () => {
    for (let i = 0; i < 300; i += 1) {
      const dir = mkdtempSync(join(tmpdir(), 'dhanman-secrets-'));
      dirs.push(dir);
      const s = loadOrCreateSecrets(dir);
      for (const password of [s.rabbitmqPassword, s.postgresPassword]) {
        expect(password).not.toMatch(/^-/);
        expect(password.length).toBeGreaterThanOrEqual(32);
      }
    }
  });

  it('a restart finds the same secrets', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dhanman-secrets-'));
    dirs.push(dir);
    expect(loadOrCreateSecrets(dir)).toEqual(loadOrCreateSecrets(dir));
  });
});
