import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The slowest files first, so the other worker fills the time they take. A fresh clone (CI) has
 * no timings for Vitest's own longest-first order. The chaos run (about 180 s with its cluster)
 * never touches the shared broker, so it runs with the integration files, first; in the last group
 * it waited for another fault file, then ran alone. The cluster scenarios stay in the last group:
 * started beside chaos (two clusters on two cores), their 300 invoices missed the posting deadline.
 */
const SLOWEST = ['test/integration/chaos/chaos.test.ts'];

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
