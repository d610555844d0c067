import { createHash, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * The rules of a pitch recipient's link `/p/<token>`.
 *
 * A token is 32 random bytes (256 bits) in base64url without padding: 43 characters of
 * `[A-Za-z0-9_-]`. Only its SHA-256 is stored, so a database read gives no working link; a lookup
 * hashes what was presented and finds the row by hash. Every presented token takes the same path
 * (shape check, hash, one lookup), so an unknown token and a wrong one cost the same.
 */
export const TOKEN_BYTES = 32;
export const TOKEN_LENGTH = 43;
const TOKEN = /^[A-Za-z0-9_-]{43}$/;

/** A new link token; `random` is the entropy source (tests pass a fixed one). */
export function newToken(random: (bytes: number) => Buffer = randomBytes): string {
  return random(TOKEN_BYTES).toString('base64url');
}

/**
 * Whether `value` could be a token we issued: the exact length and alphabet. Anything else is
 * answered as an unknown link without a lookup; the answer is the same as for an unknown token.
 */
export function isTokenShaped(value: string): boolean {
  return TOKEN.test(value) && Buffer.from(value, 'base64url').toString('base64url') === value;
}

/** What is stored of a token: its SHA-256, hex. */
export function tokenHash(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Passwords are hashed with scrypt (memory-hard: N=2^14, r=8, p=1, 16 MiB a hash), under a random
 * 16-byte salt, stored as `scrypt$N$r$p$salt$hash` so the cost can be raised without a migration.
 */
const SCRYPT = { N: 16_384, r: 8, p: 1, keyLength: 32 } as const;

function derive(password: string, salt: Buffer, cost: { N: number; r: number; p: number }): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(
      password.normalize('NFC'),
      salt,
      SCRYPT.keyLength,
      { ...cost, maxmem: 64 * 1024 * 1024 },
      (error, key) => (error ? reject(error) : resolve(key)),
    ),
  );
}

export async function hashPassword(
  password: string,
  random: (bytes: number) => Buffer = randomBytes,
): Promise<string> {
  const salt = random(16);
  const key = await derive(password, salt, SCRYPT);
  return ['scrypt', SCRYPT.N, SCRYPT.r, SCRYPT.p, salt.toString('base64url'), key.toString('base64url')].join(
    '$',
  );
}

/** Whether `password` matches `stored` (compared in constant time); false for anything malformed. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !n || !r || !p || !salt || !key) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = await derive(password, Buffer.from(salt, 'base64url'), {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** What a link may be used for at a moment. */
export type LinkState = 'open' | 'locked' | 'gone';

export interface LinkFacts {
  expiresAt: Date | null;
  /** The whole pitch revoked by its owner. */
  pitchRevoked: boolean;
  /** This recipient's link revoked, removed or replaced by a new one. */
  linkRevoked: boolean;
  hasPassword: boolean;
  /** The recipient unlocked this link (a valid unlock cookie came with the request). */
  unlocked: boolean;
}

/**
 * A link is `gone` (410) once its pitch or the link itself was revoked, or from its expiry on;
 * otherwise `locked` while it has a password the request has not unlocked, else `open`. Gone wins
 * over locked, so a revoked link never asks for a password it could not honour.
 */
export function linkState(facts: LinkFacts, now: Date): LinkState {
  if (facts.pitchRevoked || facts.linkRevoked) return 'gone';
  if (facts.expiresAt !== null && now.getTime() >= facts.expiresAt.getTime()) return 'gone';
  if (facts.hasPassword && !facts.unlocked) return 'locked';
  return 'open';
}

/** Wrong passwords per link within {@link UNLOCK_WINDOW_MS} before unlocking answers 429. */
export const UNLOCK_ATTEMPTS = 5;
export const UNLOCK_WINDOW_MS = 15 * 60 * 1000;

/**
 * Whether another unlock attempt may be checked, given the times of this link's wrong attempts:
 * at most {@link UNLOCK_ATTEMPTS} within any {@link UNLOCK_WINDOW_MS} ending now. A right password
 * after the limit is refused too, so guessing cannot go faster by luck.
 */
export function mayTryUnlock(wrongAttemptsAt: readonly Date[], now: Date): boolean {
  const since = now.getTime() - UNLOCK_WINDOW_MS;
  return wrongAttemptsAt.filter((at) => at.getTime() > since).length < UNLOCK_ATTEMPTS;
}
