import { randomBytes } from 'node:crypto';

/**
 * A name no other test in this run uses, for isolating tests that share one PostgreSQL server and
 * one broker: a database prefix (the data layer creates `<name>_<service>` databases), a queue or
 * exchange prefix. Lower case letters, digits and `_`, at most 40 characters, so `<name>_<service>`
 * stays within PostgreSQL's 63-character identifiers.
 */
export function uniqueName(prefix = 't'): string {
  const clean =
    prefix
      .toLowerCase()
      .replace(/[^a-z0-9_]+/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, 20) || 't';
  const start = /^[a-z_]/.test(clean) ? clean : `t_${clean}`;
  return `${start}_${Date.now().toString(36)}${randomBytes(4).toString('hex')}`.slice(0, 40);
}
