import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Password hashes with scrypt (memory-hard, built into Node: no native addon to compile or
 * install script to allow). Stored in PHC form, `$scrypt$ln=15,r=8,p=1$<salt>$<hash>`, so the
 * cost can be raised later and old hashes still verify (see `needsRehash`).
 */
export interface ScryptCost {
  /** log2 of N, the CPU/memory cost (15: 32 MiB and ~50-100 ms per hash on a server core). */
  logN: number;
  r: number;
  p: number;
}

export const DEFAULT_COST: ScryptCost = { logN: 15, r: 8, p: 1 };

const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
/** The most a stored hash may ask for: bounds the memory a forged hash string could make us spend. */
const MAX_LOG_N = 20;
/** Longer passwords are refused rather than hashed (their cost is not the issue; their purpose is). */
export const MAX_PASSWORD_LENGTH = 1024;

function derive(password: string, salt: Buffer, cost: ScryptCost): Promise<Buffer> {
  const N = 2 ** cost.logN;
  const options: ScryptOptions = { N, r: cost.r, p: cost.p, maxmem: 128 * N * cost.r * cost.p + 1024 * 1024 };
  return new Promise((resolve, reject) => {
    scrypt(password.normalize('NFKC'), salt, KEY_LENGTH, options, (err, key) =>
      err ? reject(err) : resolve(key),
    );
  });
}

export async function hashPassword(password: string, cost: ScryptCost = DEFAULT_COST): Promise<string> {
  if (password.length > MAX_PASSWORD_LENGTH) throw new RangeError('password too long');
  const salt = randomBytes(SALT_LENGTH);
  const key = await derive(password, salt, cost);
  return `$scrypt$ln=${cost.logN},r=${cost.r},p=${cost.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

interface Parsed {
  cost: ScryptCost;
  salt: Buffer;
  key: Buffer;
}

function parse(stored: string): Parsed | undefined {
  const m = /^\$scrypt\$ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})\$([\w-]{8,64})\$([\w-]{16,128})$/.exec(stored);
  if (!m) return undefined;
  const cost = { logN: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  if (cost.logN < 1 || cost.logN > MAX_LOG_N || cost.r < 1 || cost.p < 1) return undefined;
  return { cost, salt: Buffer.from(m[4]!, 'base64url'), key: Buffer.from(m[5]!, 'base64url') };
}

let dummy: Promise<string> | undefined;

/**
 * True when `password` matches `stored`. With no stored hash (unknown user) it still spends the
 * time of one hash, so response times do not tell which emails exist.
 */
export async function verifyPassword(
  password: string,
  stored: string | undefined | null,
  cost: ScryptCost = DEFAULT_COST,
): Promise<boolean> {
  const parsed = stored ? parse(stored) : undefined;
  if (!parsed || password.length > MAX_PASSWORD_LENGTH) {
    dummy ??= hashPassword('not a password', cost);
    const fallback = parse(await dummy)!;
    await derive(password.slice(0, MAX_PASSWORD_LENGTH), fallback.salt, fallback.cost);
    return false;
  }
  const key = await derive(password, parsed.salt, parsed.cost);
  return key.length === parsed.key.length && timingSafeEqual(key, parsed.key);
}

/** True when a stored hash was made with a weaker cost than `cost` (rehash it after a successful login). */
export function needsRehash(stored: string, cost: ScryptCost = DEFAULT_COST): boolean {
  const parsed = parse(stored);
  if (!parsed) return true;
  return parsed.cost.logN < cost.logN || parsed.cost.r < cost.r || parsed.cost.p < cost.p;
}
