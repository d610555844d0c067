import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { CookieOptions } from 'hono/utils/cookie';
import type { Redis } from 'ioredis';
import type { Logger } from '#lib/log';
import { mayTryUnlock, UNLOCK_ATTEMPTS, UNLOCK_WINDOW_MS } from '#services/playlists/contract';
import { redisGuard } from '../cache/redis-guard.ts';

/**
 * Keeping a password-protected pitch link unlocked, and limiting wrong passwords.
 *
 * After the right password the browser gets a cookie scoped to that link's path: the recipient's
 * id, an expiry and an HMAC-SHA256 of both under `PITCH_COOKIE_KEY`. It holds no password and
 * cannot be forged or moved to another recipient's link without the key; the playlists service
 * accepts it as unlocking only the link of the recipient it names.
 */
export const UNLOCK_COOKIE = '__Secure-pitch_unlock';
export const UNLOCK_COOKIE_SECONDS = 12 * 60 * 60;

const mac = (key: string, payload: string) =>
  createHmac('sha256', key).update(`pitch-unlock:${payload}`).digest('base64url');

/** The cookie's value for `recipientId`, valid until `expiresAt` (seconds since the epoch). */
export function unlockCookieValue(key: string, recipientId: string, expiresAt: number): string {
  const payload = `${recipientId}.${expiresAt}`;
  return `${payload}.${mac(key, payload)}`;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/** The recipient a cookie value unlocks, or undefined when it is malformed, forged or expired. */
export function unlockedRecipient(key: string, value: string | undefined, now: Date): string | undefined {
  if (value === undefined || value.length > 200) return undefined;
  const [recipientId, expiresAt, signature, ...rest] = value.split('.');
  if (!recipientId || !expiresAt || !signature || rest.length > 0 || !UUID.test(recipientId))
    return undefined;
  if (!/^\d{1,12}$/.test(expiresAt) || Number(expiresAt) * 1000 <= now.getTime()) return undefined;
  const expected = Buffer.from(mac(key, `${recipientId}.${expiresAt}`));
  const presented = Buffer.from(signature);
  if (expected.length !== presented.length || !timingSafeEqual(expected, presented)) return undefined;
  return recipientId;
}

/** HttpOnly, Secure (browsers accept it from http://127.0.0.1 too), SameSite=Strict, this link's path only. */
export function unlockCookieOptions(token: string): CookieOptions {
  return {
    path: `/p/${token}`,
    httpOnly: true,
    secure: true,
    sameSite: 'Strict',
    maxAge: UNLOCK_COOKIE_SECONDS,
  };
}

/** Wrong passwords per link (by recipient id), shared by every BFF instance. */
export interface UnlockAttempts {
  /** When this link's wrong passwords of the last {@link UNLOCK_WINDOW_MS} were tried. */
  wrongSince(recipientId: string, now: Date): Promise<Date[]>;
  recordWrong(recipientId: string, at: Date): Promise<void>;
}

/**
 * Whether a password may be checked now, and if not, in how many seconds: the rule of
 * `mayTryUnlock` ({@link UNLOCK_ATTEMPTS} wrong ones per {@link UNLOCK_WINDOW_MS}).
 */
export function unlockDecision(
  wrongAt: readonly Date[],
  now: Date,
): { allowed: boolean; retryAfterSeconds: number } {
  if (mayTryUnlock(wrongAt, now)) return { allowed: true, retryAfterSeconds: 0 };
  // The window opens again when the oldest of its last UNLOCK_ATTEMPTS wrong attempts leaves it.
  const recent = wrongAt
    .map((at) => at.getTime())
    .filter((at) => at > now.getTime() - UNLOCK_WINDOW_MS)
    .sort((a, b) => a - b);
  const freeing = recent[recent.length - UNLOCK_ATTEMPTS] ?? now.getTime();
  return {
    allowed: false,
    retryAfterSeconds: Math.max(1, Math.ceil((freeing + UNLOCK_WINDOW_MS - now.getTime()) / 1000)),
  };
}

/** In this process only: unit tests, and the Redis store's fallback while Redis is down. */
export function memoryUnlockAttempts(): UnlockAttempts {
  const attempts = new Map<string, number[]>();
  const recent = (recipientId: string, now: number) =>
    (attempts.get(recipientId) ?? []).filter((at) => at > now - UNLOCK_WINDOW_MS);
  return {
    async wrongSince(recipientId, now) {
      return recent(recipientId, now.getTime()).map((at) => new Date(at));
    },
    async recordWrong(recipientId, at) {
      const kept = [...recent(recipientId, at.getTime()), at.getTime()];
      // Never more than the rule looks at: the memory a link can take is bounded.
      attempts.set(recipientId, kept.slice(-UNLOCK_ATTEMPTS * 2));
      if (attempts.size > 10_000) {
        for (const [key, times] of attempts)
          if (times.every((time) => time <= at.getTime() - UNLOCK_WINDOW_MS)) attempts.delete(key);
      }
    },
  };
}

/**
 * Wrong attempts as a sorted set per link in Redis (`pitch-unlock:<recipientId>`, scored by time,
 * expiring with the window). When Redis is down or slow each process counts on its own (as the
 * rate limits do): a cache outage must neither lock recipients out nor lift the limit.
 */
export function redisUnlockAttempts(
  redis: Redis,
  options: { log: Pick<Logger, 'warn' | 'info'>; timeoutMs: number },
): UnlockAttempts {
  const guard = redisGuard(redis, {
    log: options.log,
    component: 'pitch unlock attempts',
    consequence: 'each process counts wrong passwords on its own until it answers again',
    timeoutMs: options.timeoutMs,
    retryAfterMs: 1000,
  });
  const alone = memoryUnlockAttempts();
  const keyOf = (recipientId: string) => `pitch-unlock:${recipientId}`;
  return {
    async wrongSince(recipientId, now) {
      try {
        const scores = await guard.run((client) =>
          client.zrangebyscore(
            keyOf(recipientId),
            now.getTime() - UNLOCK_WINDOW_MS + 1,
            '+inf',
            'WITHSCORES',
          ),
        );
        const times: Date[] = [];
        for (let index = 1; index < scores.length; index += 2) times.push(new Date(Number(scores[index])));
        return times;
      } catch {
        return alone.wrongSince(recipientId, now);
      }
    },
    async recordWrong(recipientId, at) {
      const key = keyOf(recipientId);
      try {
        await guard.run((client) =>
          client
            .multi()
            .zadd(key, at.getTime(), `${at.getTime()}:${randomBytes(6).toString('base64url')}`)
            .zremrangebyscore(key, '-inf', at.getTime() - UNLOCK_WINDOW_MS)
            .pexpire(key, UNLOCK_WINDOW_MS)
            .exec(),
        );
      } catch {
        await alone.recordWrong(recipientId, at);
      }
    },
  };
}
