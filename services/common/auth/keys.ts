import {
  calculateJwkThumbprint,
  exportJWK,
  generateKeyPair,
  importJWK,
  type CryptoKey,
  type JWK,
} from 'jose';
import { SIGNING_ALG } from '#platform/auth/verifier.js';

/** One RSA key pair as it is persisted (JWK form, so any store that holds JSON can keep it). */
export interface StoredSigningKey {
  kid: string;
  privateJwk: JWK;
  publicJwk: JWK;
  createdAt: Date;
  /** A retired key no longer signs, and leaves the JWKS once no token it signed can be valid. */
  retiredAt?: Date | null;
}

/** Where the issuer keeps its keys (Common: its `signing_key` table; tests: memory). */
export interface SigningKeyStore {
  list(): Promise<StoredSigningKey[]>;
  /** Adds a key; adding a kid that already exists is a no-op. */
  add(key: StoredSigningKey): Promise<void>;
}

/** The key tokens are signed with now, and every public key a verifier may still need. */
export interface SigningKeys {
  active: { kid: string; privateKey: CryptoKey };
  publicJwks: JWK[];
}

export async function generateSigningKey(now = new Date()): Promise<StoredSigningKey> {
  const { publicKey, privateKey } = await generateKeyPair(SIGNING_ALG, {
    extractable: true,
    modulusLength: 2048,
  });
  const publicJwk = await exportJWK(publicKey);
  const kid = await calculateJwkThumbprint(publicJwk);
  const privateJwk = await exportJWK(privateKey);
  return {
    kid,
    privateJwk: { ...privateJwk, kid, alg: SIGNING_ALG },
    publicJwk: { ...publicJwk, kid, alg: SIGNING_ALG, use: 'sig' },
    createdAt: now,
    retiredAt: null,
  };
}

/**
 * Loads the signing keys, making the first key pair if there is none. Two instances starting at
 * once on an empty store may each make one and sign with it: both keys are stored and published
 * (a verifier meeting an unknown kid fetches the JWKS again), and from then on every instance
 * signs with the oldest live key. Rotating is: add a key, then retire the old one.
 */
export async function ensureSigningKeys(
  store: SigningKeyStore,
  opts: { maxTokenTtlSeconds?: number; now?: () => Date } = {},
): Promise<SigningKeys> {
  const now = opts.now ?? (() => new Date());
  let keys = await store.list();
  if (!keys.some((k) => !k.retiredAt)) {
    await store.add(await generateSigningKey(now()));
    keys = await store.list();
  }
  const live = keys.filter((k) => !k.retiredAt);
  live.sort((a, b) => a.createdAt.getTime() - b.createdAt.getTime() || (a.kid < b.kid ? -1 : 1));
  const oldest = live[0];
  if (!oldest) throw new Error('signing key store returned no usable key after adding one');
  const graceMs = (opts.maxTokenTtlSeconds ?? 24 * 3600) * 1000;
  const published = keys.filter((k) => !k.retiredAt || k.retiredAt.getTime() + graceMs > now().getTime());
  return {
    active: { kid: oldest.kid, privateKey: (await importJWK(oldest.privateJwk, SIGNING_ALG)) as CryptoKey },
    publicJwks: published.map((k) => publicOnly(k.publicJwk)),
  };
}

/** The document served at `/.well-known/jwks.json`. */
export function jwksDocument(keys: Pick<SigningKeys, 'publicJwks'>): { keys: JWK[] } {
  return { keys: keys.publicJwks.map(publicOnly) };
}

/** Never publish a private member, whatever the store handed back. */
function publicOnly(jwk: JWK): JWK {
  const { kty, n, e, kid, alg, use } = jwk;
  return { kty, n, e, kid, alg: alg ?? SIGNING_ALG, use: use ?? 'sig' };
}
