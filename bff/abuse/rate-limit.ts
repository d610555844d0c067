import type { Context, MiddlewareHandler } from 'hono';
import type { Redis } from 'ioredis';
import { RateLimitedError } from '#lib/errors';
import type { Logger } from '#lib/log';
import type { AuthVariables } from '../auth/middleware.ts';
import { redisGuard } from '../cache/redis-guard.ts';
import type { BffConfig } from '../config.ts';

export interface RateDecision {
  allowed: boolean;
  /** Seconds until the current window ends and the bucket is empty again. */
  retryAfterSeconds: number;
}

/** Counts requests per bucket in fixed windows. */
export interface RateLimiter {
  /** Counts one request against `bucket`; allowed while the window's count stays within `limit`. */
  consume(bucket: string, limit: number, windowSeconds: number): Promise<RateDecision>;
}

export interface RedisRateLimiterOptions {
  log: Pick<Logger, 'warn' | 'info'>;
  namespace?: string;
  timeoutMs?: number;
  retryAfterMs?: number;
  now?: () => number;
}

/**
 * Counts one request in its window and gives the key its lifetime when the window's first request
 * creates it: one command, and a single key, so it also runs on a Redis cluster.
 */
const COUNT_IN_WINDOW = `local count = redis.call('INCR', KEYS[1])
if count == 1 then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count`;

type CountingRedis = Redis & { countInWindow(key: string, ttlSeconds: number): Promise<number> };

/**
 * Fixed-window counters in Redis, shared by every BFF instance: one script call (INCR, and EXPIRE
 * on a new key) per request on `ratelimit:<bucket>:<window number>`. When Redis is down or slow the
 * request is allowed: abuse control must not turn a cache outage into an API outage. The outage is
 * logged once.
 */
export function redisRateLimiter(redis: Redis, options: RedisRateLimiterOptions): RateLimiter {
  const now = options.now ?? Date.now;
  const namespace = options.namespace ?? '';
  // ioredis sends the script's SHA and the script itself only when Redis does not know it yet.
  if (!('countInWindow' in redis))
    redis.defineCommand('countInWindow', { numberOfKeys: 1, lua: COUNT_IN_WINDOW });
  const guard = redisGuard(redis, {
    log: options.log,
    component: 'rate limits',
    consequence: 'requests are let through unlimited until it answers again',
    timeoutMs: options.timeoutMs ?? 75,
    retryAfterMs: options.retryAfterMs ?? 1000,
    now,
  });
  return {
    async consume(bucket, limit, windowSeconds) {
      const windowMs = windowSeconds * 1000;
      const at = now();
      const window = Math.floor(at / windowMs);
      const retryAfterSeconds = Math.max(1, Math.ceil(((window + 1) * windowMs - at) / 1000));
      const key = `${namespace}ratelimit:${bucket}:${window}`;
      try {
        const count = await guard.run((client) =>
          (client as CountingRedis).countInWindow(key, windowSeconds + 1),
        );
        return { allowed: count <= limit, retryAfterSeconds };
      } catch {
        return { allowed: true, retryAfterSeconds };
      }
    },
  };
}

/** Fixed-window counters in this process only: unit tests. */
export function memoryRateLimiter(now: () => number = Date.now): RateLimiter {
  const counts = new Map<string, number>();
  return {
    async consume(bucket, limit, windowSeconds) {
      const windowMs = windowSeconds * 1000;
      const window = Math.floor(now() / windowMs);
      const key = `${bucket}:${window}`;
      const count = (counts.get(key) ?? 0) + 1;
      counts.set(key, count);
      const retryAfterSeconds = Math.max(1, Math.ceil(((window + 1) * windowMs - now()) / 1000));
      return { allowed: count <= limit, retryAfterSeconds };
    },
  };
}

const WINDOW_SECONDS = 60;

type LimitSettings = Pick<BffConfig, 'RATE_LIMIT_ANONYMOUS_PER_MINUTE' | 'RATE_LIMIT_USER_PER_MINUTE'>;

/**
 * Limits each signed-in user (by principal id) and each anonymous client address per minute;
 * over the limit the answer is a 429 problem with `Retry-After`. Runs after authentication, so a
 * user is counted as a user however many addresses they use, and signed-in people behind one NAT
 * do not share a bucket.
 */
export function rateLimit(deps: {
  rateLimiter: RateLimiter;
  config: LimitSettings;
}): MiddlewareHandler<{ Variables: AuthVariables }> {
  return async (c, next) => {
    const principal = c.get('principal');
    const [bucket, limit] = principal
      ? [`user:${principal.id}`, deps.config.RATE_LIMIT_USER_PER_MINUTE]
      : [`ip:${addressBucket(clientAddress(c))}`, deps.config.RATE_LIMIT_ANONYMOUS_PER_MINUTE];
    const decision = await deps.rateLimiter.consume(bucket, limit, WINDOW_SECONDS);
    if (!decision.allowed) {
      throw new RateLimitedError(
        `Too many requests; try again in ${decision.retryAfterSeconds} s.`,
        decision.retryAfterSeconds,
      );
    }
    await next();
  };
}

type AdapterBindings = {
  /** hono/aws-lambda: API Gateway's view of the caller, which a client cannot forge. */
  requestContext?: { http?: { sourceIp?: string } };
  /** @hono/node-server (the local server): the TCP peer. */
  incoming?: { socket?: { remoteAddress?: string } };
};

/**
 * The caller's address as the runtime saw it, never a header the client could set itself
 * (`X-Forwarded-For` is ignored); `unknown` when the runtime does not say (in-process tests).
 */
export function clientAddress(c: Context): string {
  const bindings = c.env as AdapterBindings | undefined;
  return bindings?.requestContext?.http?.sourceIp ?? bindings?.incoming?.socket?.remoteAddress ?? 'unknown';
}

/**
 * The bucket of an address: IPv4 addresses alone, IPv6 addresses by their /64 network, since one
 * IPv6 client usually holds a whole /64 and could otherwise take a new address per request.
 */
export function addressBucket(address: string): string {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped?.[1]) return mapped[1];
  if (!address.includes(':')) return address;
  const [head = '', tail = ''] = address.split('%')[0]?.split('::') ?? [];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const zeros = Array(Math.max(0, 8 - headGroups.length - tailGroups.length)).fill('0');
  const groups = address.includes('::') ? [...headGroups, ...zeros, ...tailGroups] : headGroups;
  return `${groups
    .slice(0, 4)
    .map((group) => Number.parseInt(group || '0', 16).toString(16))
    .join(':')}::/64`;
}
