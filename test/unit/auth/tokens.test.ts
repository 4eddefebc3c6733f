import { decodeProtectedHeader } from 'jose';
import { describe, expect, it, vi } from 'vitest';
import { principalFromPayload } from '#platform/auth/claims.js';
import {
  ensureSigningKeys,
  generateSigningKey,
  jwksDocument,
  type SigningKeyStore,
} from '#services/common/auth/keys.js';
import { memorySigningKeyStore } from '../../support/signing-keys.js';
import { cachedServiceTokens } from '#platform/auth/service-tokens.js';
import { createServiceTokenIssuer } from '#services/common/auth/service-token-issuer.js';
import { createTokenSigner } from '#services/common/auth/signer.js';
import { createTokenVerifier } from '#platform/auth/verifier.js';
import { ProblemError } from '#platform/http/problem.js';

describe('signing keys', () => {
  it('makes a key pair once and keeps using it', async () => {
    const store = memorySigningKeyStore();
    const first = await ensureSigningKeys(store);
    const second = await ensureSigningKeys(store);
    expect((await store.list()).length).toBe(1);
    expect(second.active.kid).toBe(first.active.kid);
  });

  it('two instances racing on an empty store both publish their key, and later starts agree on one', async () => {
    const inner = memorySigningKeyStore();
    let emptyLooks = 2;
    // Both instances look before either has added: both see an empty store and make a key.
    const shared: SigningKeyStore = {
      list: async () => (emptyLooks-- > 0 ? [] : inner.list()),
      add: (k) => inner.add(k),
    };
    const [one, two] = await Promise.all([ensureSigningKeys(shared), ensureSigningKeys(shared)]);
    expect((await inner.list()).length).toBe(2);

    const later = await ensureSigningKeys(inner);
    const laterStill = await ensureSigningKeys(inner);
    expect(laterStill.active.kid).toBe(later.active.kid);
    const doc = jwksDocument(later);
    // Both keys are published (a token from either instance verifies), whichever each one signs with.
    const stored = (await inner.list()).map((k) => k.kid).sort();
    expect(doc.keys.map((k) => k.kid).sort()).toEqual(stored);
    expect(stored).toContain(one.active.kid);
    expect(stored).toContain(two.active.kid);
    for (const k of doc.keys) {
      expect(Object.keys(k).sort()).toEqual(['alg', 'e', 'kid', 'kty', 'n', 'use']);
    }
    const verifier = createTokenVerifier({ issuer: 'iss', audience: 'aud', keys: { jwks: doc } });
    for (const keys of [one, two]) {
      const { accessToken } = await createTokenSigner({ keys, issuer: 'iss', audience: 'aud' }).sign({
        subject: 's',
        organizationId: 'o',
        permissions: [],
      });
      expect((await verifier.verify(accessToken)).subject).toBe('s');
    }
  });

  it('drops a retired key from the JWKS once no token it signed can be valid', async () => {
    const old = await generateSigningKey(new Date(Date.now() - 10 * 86_400_000));
    const store = memorySigningKeyStore();
    await store.add({ ...old, retiredAt: new Date(Date.now() - 2 * 3600_000) });
    const keys = await ensureSigningKeys(store, { maxTokenTtlSeconds: 3600 });
    expect(keys.active.kid).not.toBe(old.kid);
    expect(keys.publicJwks.map((k) => k.kid)).not.toContain(old.kid);
    const keysLongTtl = await ensureSigningKeys(store, { maxTokenTtlSeconds: 4 * 3600 });
    expect(keysLongTtl.publicJwks.map((k) => k.kid)).toContain(old.kid);
  });
});

describe('tokens', () => {
  it('signs RS256 tokens with the key id that a verifier with the JWKS accepts', async () => {
    const keys = await ensureSigningKeys(memorySigningKeyStore());
    const signer = createTokenSigner({ keys, issuer: 'iss', audience: 'aud', accessTokenTtlSeconds: 60 });
    const { accessToken, expiresIn } = await signer.sign({
      subject: 'u1',
      organizationId: 'o1',
      roles: ['manager'],
      permissions: ['purchase-orders:approve'],
    });
    expect(expiresIn).toBe(60);
    expect(decodeProtectedHeader(accessToken)).toMatchObject({ alg: 'RS256', kid: keys.active.kid });
    const verifier = createTokenVerifier({
      issuer: 'iss',
      audience: 'aud',
      keys: { jwks: jwksDocument(keys) },
    });
    expect(await verifier.verify(accessToken)).toEqual({
      kind: 'user',
      subject: 'u1',
      organizationId: 'o1',
      companies: [],
      roles: ['manager'],
      permissions: ['purchase-orders:approve'],
    });
    await expect(verifier.verify(`${accessToken}x`)).rejects.toBeInstanceOf(ProblemError);
  });

  it('remembers a verified token until it expires, and then refuses it', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      const keys = await ensureSigningKeys(memorySigningKeyStore());
      const signer = createTokenSigner({ keys, issuer: 'iss', audience: 'aud', accessTokenTtlSeconds: 60 });
      const { accessToken } = await signer.sign({
        subject: 'u1',
        organizationId: 'o1',
        roles: [],
        permissions: [],
      });
      const verifier = createTokenVerifier({
        issuer: 'iss',
        audience: 'aud',
        keys: { jwks: jwksDocument(keys) },
        clockToleranceSeconds: 5,
      });
      const first = await verifier.verify(accessToken);
      expect(await verifier.verify(accessToken)).toBe(first);
      // A tampered copy is not the same text: it is checked, and refused.
      await expect(verifier.verify(`${accessToken.slice(0, -2)}AA`)).rejects.toBeInstanceOf(ProblemError);
      vi.setSystemTime(Date.now() + 64_000);
      expect(await verifier.verify(accessToken)).toBe(first); // within the clock tolerance
      vi.setSystemTime(Date.now() + 2_000);
      await expect(verifier.verify(accessToken)).rejects.toMatchObject({ status: 401 });
    } finally {
      vi.useRealTimers();
    }
  });

  it('reads permissions from scope when an external issuer puts them there, and refuses tokens without an organization', () => {
    expect(
      principalFromPayload({ sub: 's', org: 'o', scope: 'openid customers:read ledger:read' })?.permissions,
    ).toEqual(['customers:read', 'ledger:read']);
    expect(principalFromPayload({ sub: 's', permissions: ['customers:read'] })).toBeUndefined();
    expect(principalFromPayload({ sub: 's', org: 'o' })).toBeUndefined();
  });

  it('issues service tokens only for a known client with the right secret', async () => {
    const keys = await ensureSigningKeys(memorySigningKeyStore());
    const signer = createTokenSigner({ keys, issuer: 'iss', audience: 'aud' });
    const issuer = createServiceTokenIssuer({
      signer,
      clients: [{ clientId: 'sales', secret: 's3cret-long-enough', permissions: ['customers:read'] }],
      ttlSeconds: 120,
    });
    const ok = await issuer.issue({
      clientId: 'sales',
      clientSecret: 's3cret-long-enough',
      organizationId: 'o1',
    });
    expect(ok.expiresIn).toBe(120);
    await expect(
      issuer.issue({ clientId: 'sales', clientSecret: 'wrong', organizationId: 'o1' }),
    ).rejects.toMatchObject({
      status: 401,
    });
    await expect(
      issuer.issue({ clientId: 'other', clientSecret: 's3cret-long-enough', organizationId: 'o1' }),
    ).rejects.toMatchObject({
      status: 401,
    });
  });

  it('caches service tokens per organization, shares one fetch between concurrent callers, and refreshes before expiry', async () => {
    let now = 1_000_000;
    const fetched: string[] = [];
    const provider = cachedServiceTokens(
      async (org) => {
        fetched.push(org);
        await new Promise((r) => setTimeout(r, 5));
        return { accessToken: `${org}-${fetched.length}`, expiresIn: 300 };
      },
      { refreshMarginSeconds: 30, now: () => now },
    );
    const [a, b] = await Promise.all([provider.tokenFor('o1'), provider.tokenFor('o1')]);
    expect(a).toBe('o1-1');
    expect(b).toBe('o1-1');
    expect(await provider.tokenFor('o2')).toBe('o2-2');
    now += 260_000;
    expect(await provider.tokenFor('o1')).toBe('o1-1');
    now += 15_000;
    expect(await provider.tokenFor('o1')).toBe('o1-3');
    provider.invalidate('o1');
    expect(await provider.tokenFor('o1')).toBe('o1-4');
  });
});
