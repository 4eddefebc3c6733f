import { defineConfig } from 'vitest/config';
import SlowestFirst from './test/harness/sequencer.js';

const GLOBAL_SETUP = './test/harness/global-setup.ts';
const FAULTS = ['test/**/*.fault.test.ts', 'services/**/*.fault.test.ts'];

export default defineConfig({
  test: {
    pool: 'forks',
    // Two cores, and the servers under test need CPU too.
    maxWorkers: Number(process.env.VITEST_MAX_WORKERS ?? 2),
    minWorkers: 1,
    testTimeout: 60_000,
    hookTimeout: 120_000,
    teardownTimeout: 60_000,
    slowTestThreshold: 5_000,
    sequence: { sequencer: SlowestFirst },
    projects: [
      {
        extends: true,
        // Pure logic: no servers, so `npm run test:unit` starts at once.
        test: { name: 'unit', include: ['test/unit/**/*.test.ts'], testTimeout: 20_000 },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.test.ts', 'services/**/*.test.ts'],
          exclude: ['test/unit/**', 'test/fixtures/**', ...FAULTS, '**/node_modules/**'],
          globalSetup: [GLOBAL_SETUP],
        },
      },
      {
        extends: true,
        test: {
          name: 'faults',
          // These kill the shared broker: they run after every other file (see rabbit-control.ts).
          include: FAULTS,
          exclude: ['test/fixtures/**', '**/node_modules/**'],
          globalSetup: [GLOBAL_SETUP],
          sequence: { groupOrder: 1 },
          testTimeout: 180_000,
        },
      },
    ],
  },
});
