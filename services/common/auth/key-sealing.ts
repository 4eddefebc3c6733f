import { CompactEncrypt, compactDecrypt, type JWK } from 'jose';

/**
 * Private signing keys sealed at rest: a JWE (`dir`, A256GCM) under a key-encryption key the
 * operator keeps outside the database. Whoever reads the database, or a backup of it, cannot mint
 * tokens without that key as well. The key id rides in the protected header, so a JWE moved to
 * another row fails to open rather than opening as the wrong key.
 */
const HEADER = { alg: 'dir', enc: 'A256GCM' } as const;

export async function sealPrivateJwk(jwk: JWK, kid: string, kek: Uint8Array): Promise<string> {
  return new CompactEncrypt(new TextEncoder().encode(JSON.stringify({ ...jwk, kid })))
    .setProtectedHeader({ ...HEADER, kid })
    .encrypt(kek);
}

/** The private JWK inside `sealed`, or undefined when this key-encryption key does not open it. */
export async function openPrivateJwk(sealed: string, kid: string, kek: Uint8Array): Promise<JWK | undefined> {
  try {
    const { plaintext, protectedHeader } = await compactDecrypt(sealed, kek, {
      keyManagementAlgorithms: [HEADER.alg],
      contentEncryptionAlgorithms: [HEADER.enc],
    });
    if (protectedHeader.kid !== kid) return undefined;
    return JSON.parse(new TextDecoder().decode(plaintext)) as JWK;
  } catch {
    return undefined;
  }
}
