import type { SigningKeyStore, StoredSigningKey } from '#services/common/auth/keys.js';

/** Signing keys held in memory: for tests that need a signer without a database. */
export function memorySigningKeyStore(): SigningKeyStore {
  const keys = new Map<string, StoredSigningKey>();
  return {
    list: async () => [...keys.values()],
    add: async (key) => {
      if (!keys.has(key.kid)) keys.set(key.kid, key);
    },
  };
}
