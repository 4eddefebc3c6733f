import { describe, expect, it } from 'vitest';
import {
  hashPassword,
  meetsOwaspMinimum,
  needsRehash,
  parseCost,
  verifyPassword,
  type ScryptCost,
} from '#services/common/auth/passwords.js';

const CHEAP: ScryptCost = { logN: 10, r: 8, p: 1 };

describe('password hashing (scrypt)', () => {
  it('verifies the right password and refuses a wrong one', async () => {
    const stored = await hashPassword('correct horse', CHEAP);
    expect(stored).toMatch(/^\$scrypt\$ln=10,r=8,p=1\$[\w-]+\$[\w-]+$/);
    expect(await verifyPassword('correct horse', stored, CHEAP)).toBe(true);
    expect(await verifyPassword('correct horsE', stored, CHEAP)).toBe(false);
    expect(await verifyPassword('', stored, CHEAP)).toBe(false);
  });

  it('salts every hash', async () => {
    const [a, b] = await Promise.all([hashPassword('same', CHEAP), hashPassword('same', CHEAP)]);
    expect(a).not.toBe(b);
  });

  it('treats equivalent Unicode forms as the same password', async () => {
    const stored = await hashPassword('caf\u00e9', CHEAP);
    expect(await verifyPassword('cafe\u0301', stored, CHEAP)).toBe(true);
  });

  it('returns false, spending the time of a hash, for an unknown user or a corrupt or hostile stored value', async () => {
    expect(await verifyPassword('x', undefined, CHEAP)).toBe(false);
    expect(await verifyPassword('x', 'plaintext', CHEAP)).toBe(false);
    // A stored value asking for 2^30 of memory must not be honoured.
    expect(
      await verifyPassword(
        'x',
        '$scrypt$ln=30,r=8,p=1$AAAAAAAAAAAAAAAAAAAAAA$AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
        CHEAP,
      ),
    ).toBe(false);
  });

  it('refuses absurdly long passwords', async () => {
    await expect(hashPassword('x'.repeat(5000), CHEAP)).rejects.toThrow(/too long/);
    const stored = await hashPassword('short', CHEAP);
    expect(await verifyPassword('x'.repeat(5000), stored, CHEAP)).toBe(false);
  });

  it('says when a hash was made with a weaker cost than wanted', async () => {
    const stored = await hashPassword('pw', CHEAP);
    expect(needsRehash(stored, CHEAP)).toBe(false);
    expect(needsRehash(stored, { ...CHEAP, logN: 11 })).toBe(true);
    expect(needsRehash('garbage', CHEAP)).toBe(true);
  });

  it('uses OWASP’s minimum (N=2^17, r=8, p=1) by default and asks an older 2^15 hash to be rehashed', async () => {
    const stored = await hashPassword('pw');
    // One derivation of 128 MiB is the point of the cost; verifying it again would only repeat it.
    expect(stored).toMatch(/^\$scrypt\$ln=17,r=8,p=1\$[\w-]{22}\$[\w-]{43}$/);
    expect(needsRehash(await hashPassword('pw', { logN: 15, r: 8, p: 1 }))).toBe(true);
  }, 60_000);

  it('reads a cost as its PHC parameters and tells one below OWASP’s minimum', () => {
    expect(parseCost('ln=17,r=8,p=1')).toEqual({ logN: 17, r: 8, p: 1 });
    expect(meetsOwaspMinimum(parseCost('ln=17,r=8,p=1')!)).toBe(true);
    expect(meetsOwaspMinimum(parseCost('ln=16,r=8,p=1')!)).toBe(false);
    expect(parseCost('ln=40,r=8,p=1')).toBeUndefined();
    expect(parseCost('17')).toBeUndefined();
  });
});
