import type { Queryable } from '#platform/data/db.js';

export interface SignUpRequest {
  id: string;
  tokenHash: string;
  outcome: 'link-sent' | 'owner-notified';
  email: string;
  adminName: string;
  passwordHash: string;
  organizationName: string;
  companyName: string;
  timeZone: string | null;
  expiresAt: Date;
}

export async function insertSignUpRequest(q: Queryable, r: SignUpRequest): Promise<void> {
  await q.query(
    `INSERT INTO sign_up_request (id, token_hash, outcome, email, admin_name, password_hash,
                                  organization_name, company_name, time_zone, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
    [
      r.id,
      r.tokenHash,
      r.outcome,
      r.email,
      r.adminName,
      r.passwordHash,
      r.organizationName,
      r.companyName,
      r.timeZone,
      r.expiresAt,
    ],
  );
}

interface Row {
  id: string;
  email: string;
  admin_name: string;
  password_hash: string;
  organization_name: string;
  company_name: string;
  time_zone: string | null;
}

/**
 * Marks the link of `tokenHash` used and returns its sign-up, or null when there is none to use
 * (unknown, expired, already used, or a notice to an address's owner). One statement: of
 * concurrent verifications of one link, the row lock lets exactly one through.
 */
export async function useSignUpLink(
  q: Queryable,
  tokenHash: string,
  organizationId: string,
): Promise<Omit<SignUpRequest, 'tokenHash' | 'outcome' | 'expiresAt'> | null> {
  const { rows } = await q.query<Row>(
    `UPDATE sign_up_request SET used_at = now(), organization_id = $2
      WHERE token_hash = $1 AND outcome = 'link-sent' AND used_at IS NULL AND expires_at > now()
      RETURNING id, email, admin_name, password_hash, organization_name, company_name, time_zone`,
    [tokenHash, organizationId],
  );
  const r = rows[0];
  if (!r) return null;
  return {
    id: r.id,
    email: r.email,
    adminName: r.admin_name,
    passwordHash: r.password_hash,
    organizationName: r.organization_name,
    companyName: r.company_name,
    timeZone: r.time_zone,
  };
}
