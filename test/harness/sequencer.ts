import { BaseSequencer, type TestSpecification } from 'vitest/node';

/**
 * The slowest files first, so the other worker fills the time they take. A fresh clone (CI) has
 * no timings for Vitest's own longest-first order, and the 90-second chaos run is the longest file
 * of the last group (about 200 s): started after another fault file, the suite waited for it alone.
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
