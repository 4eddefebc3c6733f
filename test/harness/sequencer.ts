import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The slowest files first, so the other worker fills the time they take. A fresh clone (CI) has
 * no timings for Vitest's own longest-first order. The chaos run (about 180 s) and the cluster
 * scenarios (about 90 s) start clusters of their own and never touch the shared broker, so they
 * run with the integration files rather than with the `*.fault` files at the end, where each
 * waited alone for the one before it.
 */
const SLOWEST = ['test/integration/chaos/chaos.test.ts', 'test/integration/cluster/cluster.test.ts'];

export default class SlowestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const sorted = await super.sort(files);
    const rank = (f: TestSpecification) => {
      const i = SLOWEST.findIndex((path) => f.moduleId.endsWith(path));
      return i === -1 ? SLOWEST.length : i;
    };
    return sorted
      .map((f, i) => ({ f, i }))
      .sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i)
      .map(({ f }) => f);
  }
}
