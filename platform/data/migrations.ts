/** One forward-only migration. Versions are whole numbers, applied in order, once. */
export interface Migration {
  version: number;
  name: string;
  sql: string;
}
