import { describe, expect, it } from 'vitest';
import { SERVICE_NAMES } from '#contracts/services.js';
import { planFaults, type ScheduleInput } from '../../../ops/chaos/schedule.js';

const input = (seed: number, minutes = 3, copies = 2): ScheduleInput => ({
  seed,
  durationMs: minutes * 60_000,
  services: SERVICE_NAMES,
  copies,
  brokerNodes: 3,
});

describe('the chaos fault schedule', () => {
  it('is the same timeline for the same seed, and another for another seed', () => {
    expect(planFaults(input(11))).toEqual(planFaults(input(11)));
    expect(planFaults(input(11))).not.toEqual(planFaults(input(12)));
  });

  it('kills a copy of every service, stops a broker node, restarts PostgreSQL, fails the gateway and the mail', () => {
    for (const seed of [1, 11, 42, 2 ** 31]) {
      const plan = planFaults(input(seed));
      const killed = new Set(plan.filter((f) => f.kind === 'copy-killed').map((f) => f.target.split('#')[0]));
      expect([...killed].sort()).toEqual([...SERVICE_NAMES].sort());
      for (const kind of [
        'broker-node-stopped',
        'postgres-restarted',
        'gateway-errors',
        'gateway-hangs',
        'mail-down',
      ])
        expect(plan.some((f) => f.kind === kind)).toBe(true);
      for (const f of plan.filter((x) => x.kind === 'copy-killed'))
        expect(Number(f.target.split('#')[1])).toBeGreaterThanOrEqual(1);
    }
  });

  it('lands every fault inside the run, before its last quarter, which is left without faults', () => {
    for (const minutes of [1.5, 3, 30]) {
      const duration = minutes * 60_000;
      for (const f of planFaults(input(7, minutes))) {
        expect(f.at).toBeGreaterThanOrEqual(duration * 0.1);
        expect(f.at).toBeLessThanOrEqual(duration * 0.75);
      }
    }
  });

  it('lands a round of every kind per three minutes of a longer run', () => {
    const plan = planFaults(input(5, 30));
    expect(plan.filter((f) => f.kind === 'copy-killed')).toHaveLength(SERVICE_NAMES.length * 10);
    expect(plan.filter((f) => f.kind === 'postgres-restarted')).toHaveLength(10);
  });

  it('takes targets that exist: copies 1..N, broker nodes 1..3', () => {
    const plan = planFaults(input(3, 3, 1));
    expect(plan.filter((f) => f.kind === 'copy-killed').every((f) => f.target.endsWith('#1'))).toBe(true);
    for (const f of plan.filter((x) => x.kind === 'broker-node-stopped'))
      expect(['rabbit#1', 'rabbit#2', 'rabbit#3']).toContain(f.target);
  });
});
