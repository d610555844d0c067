import type { MiddlewareHandler } from 'hono';
import { RateLimitedError } from '#lib/errors';
import type { BffConfig } from '../config.ts';
import { addressBucket, clientAddress, type RateLimiter } from './rate-limit.ts';

const WINDOW_SECONDS = 60;
/** Addresses refused at once in one process; past it, those whose refusal ended are forgotten. */
const MAX_REFUSED_ADDRESSES = 10_000;

export interface AuthFailureLimitDeps {
  rateLimiter: RateLimiter;
  config: Pick<BffConfig, 'RATE_LIMIT_AUTH_FAILURES_PER_MINUTE'>;
  now?: () => number;
}

/**
 * Limits failed authentication per client address, ahead of authentication itself: every answer
 * of 401 or 403 counts against `RATE_LIMIT_AUTH_FAILURES_PER_MINUTE` in the shared count (Redis, or
 * this process while it is down), and an address past it gets 429 with `Retry-After` for the rest
 * of the window without its credentials being checked at all. So a flood of forged or expired
 * tokens, or of probes for routes it may not use, costs neither signature checks nor service
 * calls, and the per-user limit (which needs a verified caller) is not the only one.
 */
export function authFailureLimit(deps: AuthFailureLimitDeps): MiddlewareHandler {
  const now = deps.now ?? Date.now;
  /** Address bucket → when its refusal ends (ms). */
  const refused = new Map<string, number>();

  const refuse = (until: number) => {
    const seconds = Math.max(1, Math.ceil((until - now()) / 1000));
    return new RateLimitedError(
      `Too many failed sign-ins or refused requests from this address; try again in ${seconds} s.`,
      seconds,
    );
  };

  return async (c, next) => {
    const address = addressBucket(clientAddress(c.env));
    const until = refused.get(address);
    if (until !== undefined) {
      if (until > now()) throw refuse(until);
      refused.delete(address);
    }
    await next();
    if (c.res.status !== 401 && c.res.status !== 403) return;
    const limit = deps.config.RATE_LIMIT_AUTH_FAILURES_PER_MINUTE;
    const decision = await deps.rateLimiter.consume(`authfail:${address}`, limit, WINDOW_SECONDS);
    if (decision.allowed) return;
    if (refused.size >= MAX_REFUSED_ADDRESSES) {
      for (const [other, end] of refused) if (end <= now()) refused.delete(other);
    }
    refused.set(address, now() + decision.retryAfterSeconds * 1000);
  };
}
