import type { MiddlewareHandler } from 'hono';
import type { Redis } from 'ioredis';
import { RateLimitedError } from '#lib/errors';
import type { Logger } from '#lib/log';
import type { AuthVariables } from '../auth/middleware.ts';
import type { Principal } from '../auth/principal.ts';
import { redisGuard } from '../cache/redis-guard.ts';
import type { BffConfig } from '../config.ts';

export interface RateDecision {
  allowed: boolean;
  /** Seconds until the current window ends and the bucket is empty again. */
  retryAfterSeconds: number;
}

/** Counts requests per bucket in fixed windows. */
export interface RateLimiter {
  /**
   * Counts one request against `bucket`; allowed while the window's count stays within `limit`.
   * Settles at once when this process can tell on its own, otherwise once the shared count has answered.
   */
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
 * Takes `ARGV[2]` requests' worth of the window's count at once and gives the key its lifetime
 * when this call creates it: one command, and a single key, so it also runs on a Redis cluster.
 */
const TAKE_FROM_WINDOW = `local count = redis.call('INCRBY', KEYS[1], ARGV[2])
if count == tonumber(ARGV[2]) then redis.call('EXPIRE', KEYS[1], ARGV[1]) end
return count`;

type CountingRedis = Redis & {
  takeFromWindow(key: string, ttlSeconds: number, requests: number): Promise<number>;
};

/** The most requests one process takes from a window's count in one call. */
const MAX_TAKE = 64;
/** A take never exceeds this share of what the window had left when last seen. */
const TAKE_SHARE_OF_REST = 1 / 16;
/** Buckets one process keeps allowances for before dropping those of ended windows. */
const MAX_ALLOWANCES = 10_000;

/** What this process holds of one bucket's current window. */
interface Allowance {
  window: number;
  /** The window's shared count in Redis. */
  key: string;
  /** Requests taken from the shared count and not yet used here. */
  left: number;
  /** How many the next take asks for. */
  nextTake: number;
  /** The shared count reached the limit: once `left` is used, refuse without asking Redis. */
  spent: boolean;
  /** A take in flight, which requests arriving meanwhile wait for instead of sending their own. */
  taking?: Promise<void> | undefined;
}

/**
 * Fixed-window counters in Redis, shared by every BFF instance, on `ratelimit:<bucket>:<window>`.
 *
 * A process does not send one command per request: it takes requests from the window's shared
 * count in small batches (a script that adds the batch and returns the new count) and hands them
 * out locally. The first take of a window is 1 and each next one doubles, up to {@link MAX_TAKE}
 * and never above 1/16 of what the window had left, so a bucket near its limit is counted one
 * request at a time; a bucket busy in the previous window starts at the size it had reached. While
 * batching, the next batch is taken when half of the last is left, so a steady client does not wait
 * for Redis at all. Nothing is ever admitted beyond the limit: a take grants only what the shared
 * count had left. What a process took and did not use counts as used; that can refuse a bucket
 * shortly before its limit, by at most 1/16 of the rest per process. A client that sends many
 * requests to one process costs one Redis command per up to 64 of them; one that sends few costs
 * one per request, as before. Once the count is spent the process refuses the rest of the window
 * without asking again.
 *
 * When Redis is down or slow, each process counts on its own ({@link memoryRateLimiter}, same
 * limits): abuse control must not turn a cache outage into an API outage, nor into no limit at all.
 * The outage is logged once.
 */
export function redisRateLimiter(redis: Redis, options: RedisRateLimiterOptions): RateLimiter {
  const now = options.now ?? Date.now;
  const namespace = options.namespace ?? '';
  // ioredis sends the script's SHA and the script itself only when Redis does not know it yet.
  if (!('takeFromWindow' in redis))
    redis.defineCommand('takeFromWindow', { numberOfKeys: 1, lua: TAKE_FROM_WINDOW });
  const guard = redisGuard(redis, {
    log: options.log,
    component: 'rate limits',
    consequence: 'each process counts requests on its own until it answers again',
    timeoutMs: options.timeoutMs ?? 75,
    retryAfterMs: options.retryAfterMs ?? 1000,
    now,
  });
  /** By bucket; a take still in flight for an ended window fills an allowance no longer here. */
  const allowances = new Map<string, Allowance>();
  /** What decides while Redis does not answer. */
  const alone = memoryRateLimiter(now);

  /** The take in flight for `allowance`, started now if there is none. */
  function takeFor(allowance: Allowance, limit: number, windowSeconds: number): Promise<void> {
    allowance.taking ??= take(allowance, limit, windowSeconds).finally(() => {
      allowance.taking = undefined;
    });
    return allowance.taking;
  }

  async function take(allowance: Allowance, limit: number, windowSeconds: number) {
    const requested = allowance.nextTake;
    const count = await guard.run((client) =>
      (client as CountingRedis).takeFromWindow(allowance.key, windowSeconds + 1, requested),
    );
    const granted = Math.max(0, Math.min(requested, limit - (count - requested)));
    allowance.left += granted;
    allowance.spent = count >= limit;
    const rest = Math.max(0, limit - count);
    allowance.nextTake = Math.max(
      1,
      Math.min(requested * 2, MAX_TAKE, Math.floor(rest * TAKE_SHARE_OF_REST)),
    );
  }

  /** The bucket's allowance for `window`, made at the window's first request. */
  function allowanceFor(bucket: string, limit: number, window: number): Allowance {
    const previous = allowances.get(bucket);
    if (previous?.window === window) return previous;
    if (previous === undefined && allowances.size >= MAX_ALLOWANCES) dropEndedWindows(allowances, window);
    // A bucket busy in the last window starts this one at its batch size, within this limit.
    const carried = previous?.window === window - 1 ? previous.nextTake : 1;
    const allowance: Allowance = {
      window,
      key: `${namespace}ratelimit:${bucket}:${window}`,
      left: 0,
      nextTake: Math.max(1, Math.min(carried, Math.floor(limit * TAKE_SHARE_OF_REST))),
      spent: false,
    };
    allowances.set(bucket, allowance);
    return allowance;
  }

  /** Decides from what this process holds; undefined when it must take from the shared count first. */
  function decideHere(
    allowance: Allowance,
    limit: number,
    windowSeconds: number,
    retryAfterSeconds: number,
  ): RateDecision | undefined {
    if (allowance.left > 0) {
      allowance.left--;
      // Batching: take the next batch while half of this one is left, so requests rarely wait.
      if (allowance.nextTake > 1 && allowance.left <= allowance.nextTake / 2 && !allowance.spent) {
        takeFor(allowance, limit, windowSeconds).catch(() => undefined);
      }
      return { allowed: true, retryAfterSeconds };
    }
    return allowance.spent ? { allowed: false, retryAfterSeconds } : undefined;
  }

  async function decideAfterTaking(
    bucket: string,
    allowance: Allowance,
    limit: number,
    windowSeconds: number,
    retryAfterSeconds: number,
  ): Promise<RateDecision> {
    for (;;) {
      // Wait for the take in flight, or start one; if it fails (Redis down), this process decides alone.
      const failed = await takeFor(allowance, limit, windowSeconds).then(
        () => false,
        () => true,
      );
      if (failed) return alone.consume(bucket, limit, windowSeconds);
      const decision = decideHere(allowance, limit, windowSeconds, retryAfterSeconds);
      if (decision) return decision;
    }
  }

  return {
    consume(bucket, limit, windowSeconds) {
      const windowMs = windowSeconds * 1000;
      const at = now();
      const window = Math.floor(at / windowMs);
      const retryAfterSeconds = Math.max(1, Math.ceil(((window + 1) * windowMs - at) / 1000));
      const allowance = allowanceFor(bucket, limit, window);
      const decided = decideHere(allowance, limit, windowSeconds, retryAfterSeconds);
      return decided
        ? Promise.resolve(decided)
        : decideAfterTaking(bucket, allowance, limit, windowSeconds, retryAfterSeconds);
    },
  };
}

function dropEndedWindows(allowances: Map<string, Allowance>, current: number): void {
  for (const [bucket, allowance] of allowances) if (allowance.window !== current) allowances.delete(bucket);
  // Every bucket active in this one window: start over rather than grow without bound.
  if (allowances.size >= MAX_ALLOWANCES) allowances.clear();
}

/**
 * Fixed-window counters in this process only: unit tests, and the Redis limiter's fallback while
 * Redis is down. Counts of ended windows are dropped as windows end.
 */
export function memoryRateLimiter(now: () => number = Date.now): RateLimiter {
  const counts = new Map<string, number>();
  let latestWindow = Number.NEGATIVE_INFINITY;
  return {
    async consume(bucket, limit, windowSeconds) {
      const windowMs = windowSeconds * 1000;
      const window = Math.floor(now() / windowMs);
      if (window > latestWindow) {
        latestWindow = window;
        for (const key of counts.keys()) if (!key.endsWith(`:${window}`)) counts.delete(key);
      }
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
    const decision = await countRequest(deps, c.get('principal'), c.env);
    if (!decision.allowed) {
      throw new RateLimitedError(
        `Too many requests; try again in ${decision.retryAfterSeconds} s.`,
        decision.retryAfterSeconds,
      );
    }
    await next();
  };
}

/**
 * Counts one request of `principal` (by their id), or of an anonymous caller (by the address the
 * runtime saw in `bindings`), against their limit.
 */
export function countRequest(
  deps: { rateLimiter: RateLimiter; config: LimitSettings },
  principal: Principal | null,
  bindings: unknown,
): Promise<RateDecision> {
  const [bucket, limit] = principal
    ? [`user:${principal.id}`, deps.config.RATE_LIMIT_USER_PER_MINUTE]
    : [`ip:${addressBucket(clientAddress(bindings))}`, deps.config.RATE_LIMIT_ANONYMOUS_PER_MINUTE];
  return deps.rateLimiter.consume(bucket, limit, WINDOW_SECONDS);
}

type AdapterBindings = {
  /** hono/aws-lambda: API Gateway's view of the caller, which a client cannot forge. */
  requestContext?: { http?: { sourceIp?: string } };
  /** @hono/node-server (the local server): the TCP peer. */
  incoming?: { socket?: { remoteAddress?: string } };
};

/**
 * The caller's address as the runtime saw it in its bindings (`c.env`), never a header the client could set itself
 * (`X-Forwarded-For` is ignored); `unknown` when the runtime does not say (in-process tests).
 */
export function clientAddress(bindings: unknown): string {
  const known = bindings as AdapterBindings | undefined;
  return known?.requestContext?.http?.sourceIp ?? known?.incoming?.socket?.remoteAddress ?? 'unknown';
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
