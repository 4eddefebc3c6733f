import type { SignedToken, TokenSigner } from './signer.js';
import type { Db } from '#platform/data/db.js';
import { unauthorized } from '#platform/http/problem.js';
import { userById } from '../organizations/store.js';
import { accessTokenFor } from './sign-in.js';
import { revokeUserSessions, rotate, type IssuedRefreshToken } from './sessions.js';

/**
 * A refresh token for a fresh access token (roles read afresh) and its successor. Every refusal
 * is the same 401; a deactivated user's sessions end here too.
 */
export async function refreshSession(
  deps: { db: Db; signer: TokenSigner },
  refreshToken: string,
): Promise<SignedToken & IssuedRefreshToken> {
  const rotated = await rotate(deps.db, refreshToken);
  if (!rotated.ok)
    throw unauthorized('The refresh token is not valid (used, revoked or expired): sign in again.');
  const user = await userById(deps.db, rotated.organizationId, rotated.userId);
  if (!user?.active) {
    await revokeUserSessions(deps.db, rotated.userId, 'user inactive');
    throw unauthorized('The refresh token is not valid (used, revoked or expired): sign in again.');
  }
  const access = await accessTokenFor(deps.signer, user);
  return { ...access, refreshToken: rotated.refreshToken, refreshExpiresIn: rotated.refreshExpiresIn };
}
