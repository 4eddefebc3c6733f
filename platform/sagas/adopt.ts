import type { Queryable } from '../data/db.js';
import type { AnySagaDefinition } from './saga.js';

/**
 * Names the step of instances written when progress was stored by index and never claimed since
 * (the migration named the others from their step history): by the definition that wrote those
 * indices, which is the one running at the first start after the upgrade. Until then the claim
 * skips them (it wants a named step). Once named, they never need this again.
 */
export async function nameIndexedInstances(
  q: Queryable,
  definitions: ReadonlyArray<AnySagaDefinition>,
): Promise<void> {
  for (const def of definitions) {
    await q.query(
      `UPDATE saga_instance
          SET step = ($2::text[])[step_index + 1],
              completed = ARRAY(SELECT ($2::text[])[i + 1] FROM unnest(completed_steps) AS i)
        WHERE type = $1 AND step IS NULL AND step_index IS NOT NULL`,
      [def.type, def.steps.map((s) => s.name)],
    );
  }
}
