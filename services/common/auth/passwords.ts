import { randomBytes, scrypt, timingSafeEqual, type ScryptOptions } from 'node:crypto';

/**
 * Password hashes with scrypt (memory-hard, built into Node: no native addon to compile or
 * install script to allow). Stored in PHC form, `$scrypt$ln=17,r=8,p=1$<salt>$<hash>`, a random
 * salt per hash, so the cost can be raised later and old hashes still verify (see `needsRehash`).
 */
export interface ScryptCost {
  /** log2 of N, the CPU/memory cost (17: 128 MiB per hash, and the time that takes). */
  logN: number;
  r: number;
  p: number;
}

/** The most a stored hash may ask for: bounds the memory a forged hash string could make us spend. */
const MAX_LOG_N = 20;

/** OWASP's password storage cheat sheet: scrypt with N=2^17, r=8, p=1 at least. */
export const OWASP_MINIMUM_COST: ScryptCost = { logN: 17, r: 8, p: 1 };
export const DEFAULT_COST: ScryptCost = OWASP_MINIMUM_COST;

/** True when `cost` is at least OWASP's minimum in every parameter. */
export const meetsOwaspMinimum = (cost: ScryptCost): boolean =>
  cost.logN >= OWASP_MINIMUM_COST.logN && cost.r >= OWASP_MINIMUM_COST.r && cost.p >= OWASP_MINIMUM_COST.p;

/** `ln=17,r=8,p=1` (the PHC parameters) as a cost, or undefined when malformed or out of range. */
export function parseCost(text: string): ScryptCost | undefined {
  const m = /^ln=(\d{1,2}),r=(\d{1,2}),p=(\d{1,2})$/.exec(text.trim());
  if (!m) return undefined;
  const cost = { logN: Number(m[1]), r: Number(m[2]), p: Number(m[3]) };
  return cost.logN >= 1 && cost.logN <= MAX_LOG_N && cost.r >= 1 && cost.p >= 1 ? cost : undefined;
}

const KEY_LENGTH = 32;
const SALT_LENGTH = 16;
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

/** One per cost: what an unknown account's sign-in is checked against. */
const dummies = new Map<string, Promise<string>>();

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
    const key = `${cost.logN},${cost.r},${cost.p}`;
    let dummy = dummies.get(key);
    if (!dummy) dummies.set(key, (dummy = hashPassword('not a password', cost)));
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
