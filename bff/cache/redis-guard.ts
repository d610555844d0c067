import type { Redis } from 'ioredis';
import type { Logger } from '#lib/log';

export interface RedisGuardOptions {
  log: Pick<Logger, 'warn' | 'info'>;
  /** Who is affected, and how, for the one warning an outage logs: `read cache`, `reads go to the services`. */
  component: string;
  consequence: string;
  /** How long one command may take before it counts as a failure. */
  timeoutMs: number;
  /** Once Redis counts as down, calls skip it for this long instead of each paying the timeout. */
  retryAfterMs: number;
  /** How long the first calls of a fresh process wait for the first connection. */
  connectGraceMs?: number;
  now?: () => number;
}

export interface RedisGuard {
  /**
   * Runs one Redis call within the timeout. Rejects when it fails or times out, and at once while
   * Redis counts as down (for `retryAfterMs` at a time) unless `force` asks to try anyway.
   */
  run<T>(call: (redis: Redis) => Promise<T>, options?: { force?: boolean }): Promise<T>;
  /** False while Redis counts as down: from its outage's first failure until a call succeeds again. */
  readonly up: boolean;
}

/** Raised instead of calling Redis while it counts as down. */
export class RedisSkippedError extends Error {
  constructor() {
    super('redis is down; call skipped');
    this.name = 'RedisSkippedError';
  }
}

class RedisTimeoutError extends Error {
  constructor(timeoutMs: number) {
    super(`redis did not answer within ${timeoutMs} ms`);
    this.name = 'RedisTimeoutError';
  }
}

/**
 * Timeouts in a row before Redis counts as down. One slow answer (a busy event loop, a GC pause)
 * only sends its own call to the fallback; switching the cache off for `retryAfterMs` because of
 * it would push load onto the services exactly when the process is busiest. Errors (a refused or
 * lost connection) count as down at once.
 */
const TIMEOUTS_BEFORE_DOWN = 3;

/**
 * Makes Redis optional for a component: every call gets a short timeout, an outage is logged once
 * (a warning when it starts, an info line with its length when it ends, nothing per request), and
 * while it lasts calls fail fast for `retryAfterMs` at a time, then try again: recovery needs no
 * restart. An outage starts with a connection error or with {@link TIMEOUTS_BEFORE_DOWN} timeouts
 * in a row. The client should not queue commands while disconnected (`enableOfflineQueue: false`),
 * so a lost connection fails calls at once rather than after the timeout.
 */
export function redisGuard(redis: Redis, options: RedisGuardOptions): RedisGuard {
  const now = options.now ?? Date.now;
  let downSince: number | undefined;
  let retryAt = 0;
  let timeoutsInARow = 0;
  let firstConnection: Promise<void> | undefined =
    redis.status === 'ready' ? undefined : firstConnectionSettled(redis, options.connectGraceMs ?? 1000);

  const failed = (error: unknown) => {
    timeoutsInARow = error instanceof RedisTimeoutError ? timeoutsInARow + 1 : TIMEOUTS_BEFORE_DOWN;
    if (downSince === undefined && timeoutsInARow < TIMEOUTS_BEFORE_DOWN) return;
    retryAt = now() + options.retryAfterMs;
    if (downSince !== undefined) return;
    downSince = now();
    options.log.warn(`${options.component}: redis unavailable; ${options.consequence}`, {
      'error.message': error instanceof Error ? error.message : String(error),
    });
  };
  const succeeded = () => {
    timeoutsInARow = 0;
    if (downSince === undefined) return;
    options.log.info(`${options.component}: redis is back`, {
      'event.duration': (now() - downSince) * 1_000_000,
    });
    downSince = undefined;
  };

  return {
    async run(call, runOptions) {
      if (downSince !== undefined && now() < retryAt && !runOptions?.force) throw new RedisSkippedError();
      try {
        if (firstConnection) {
          await firstConnection;
          firstConnection = undefined;
        }
        const result = await withTimeout(call(redis), options.timeoutMs);
        succeeded();
        return result;
      } catch (error) {
        failed(error);
        throw error;
      }
    },
    get up() {
      return downSince === undefined;
    },
  };
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  // The command may still fail after the timeout won; that late failure is expected, not unhandled.
  promise.catch(() => {});
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      // When the event loop was busy, timers run before the loop reads sockets, so an answer that
      // arrived in time may still be unread. setImmediate lets the loop read it first.
      () => setImmediate(() => reject(new RedisTimeoutError(timeoutMs))),
      timeoutMs,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves once the client is ready, has failed to connect, or the grace period is over. */
function firstConnectionSettled(redis: Redis, graceMs: number): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off('ready', done);
      redis.off('error', done);
      resolve();
    };
    const timer = setTimeout(done, graceMs);
    timer.unref();
    redis.once('ready', done);
    redis.once('error', done);
  });
}
