import { parse as parseCookies } from 'hono/utils/cookie';
import { identifyRequest, logAccess, REQUEST_ID_HEADER, requestIdFor } from '#lib/http';
import { type Logger, writesInfo } from '#lib/log';
import { countRequest, type RateLimiter } from '../abuse/rate-limit.ts';
import type { BearerVerifier } from '../auth/bearer.ts';
import { SESSION_COOKIE } from '../auth/cookies.ts';
import type { Principal } from '../auth/principal.ts';
import type { SessionStore } from '../auth/sessions.ts';
import type { BffConfig } from '../config.ts';
import { CACHE_HEADER } from './http.ts';
import type { Cache } from './port.ts';
import { versionedKey } from './redis-cache.ts';

/** A GET route whose answers {@link hotReads} may keep in process memory. */
export interface HotRead {
  /** The paths it answers (without the query, which these routes ignore); groups go to `key` and `tags`. */
  path: RegExp;
  /** Answers only signed-in callers, each their own; otherwise one answer for anyone. */
  perCaller: boolean;
  /** What the answer depends on besides the caller. */
  key(groups: readonly string[]): string;
  /** The read cache's tags of everything the answer is made of: invalidating one drops the answer. */
  tags(groups: readonly string[], caller: Principal | null): string[];
  /** The longest an answer is kept, whatever happens to its tags. */
  ttlSeconds: number;
  /** Whether an answer may be kept: by default every 200. An aggregate missing a part may not. */
  isWhole?(body: unknown): boolean;
}

export interface HotReadsDeps {
  cache: Pick<Cache, 'keptGenerations'>;
  bearer: Pick<BearerVerifier, 'known'>;
  sessions: Pick<SessionStore, 'read'>;
  rateLimiter: RateLimiter;
  config: Pick<BffConfig, 'RATE_LIMIT_ANONYMOUS_PER_MINUTE' | 'RATE_LIMIT_USER_PER_MINUTE'>;
  log: Logger;
}

export interface HotReadsOptions {
  /** Bytes of answers kept at most; the oldest go first. */
  maxBytes?: number;
  now?: () => number;
}

interface KeptAnswer {
  body: string;
  bytes: number;
  headers: Record<string, string>;
  until: number;
}

/** Headers of an answer that belong to its request, or must never be replayed to someone else. */
const NOT_REPLAYED = new Set([REQUEST_ID_HEADER, CACHE_HEADER, 'content-length', 'set-cookie']);

/**
 * Answers repeated reads of a few hot routes from this process's memory, in front of the whole
 * app: a cache hit then costs no Redis read, no JSON round trip and no trip through the middleware
 * chain. What is kept is the app's own earlier answer (body and headers), so both paths answer alike.
 *
 * **Never staler than the read cache.** An answer is filed under the generations of its tags that
 * this process held *before* the app produced it, the read cache's versioning rule (redis-cache.ts),
 * and is served only while the read cache still holds those same generations in process: an
 * invalidation by this process drops them at once (read-your-writes), one made elsewhere is seen
 * when they are next read from Redis (within `generationTtlMs`). When the generations are not held,
 * or Redis is off, the request takes the full path, which reads them again.
 *
 * **Same rules as the full path.** The caller must be known without any check the full path would
 * do differently: a Bearer token already verified by this process, a session read from the store,
 * or nobody (no credentials). Anything else (an unknown or bad token, an Origin header that needs
 * CORS answers, another method) takes the full path. A kept answer is served only after the rate
 * limit counted the request; a refused request takes the full path, which answers 429.
 */
export function hotReads(deps: HotReadsDeps, routes: readonly HotRead[], options: HotReadsOptions = {}) {
  const now = options.now ?? Date.now;
  const maxBytes = options.maxBytes ?? 16 * 1024 * 1024;
  const kept = new Map<string, KeptAnswer>();
  let keptBytes = 0;
  let served = 0;
  // Read once, at the first answer: Powertools' level check is not free, and the level is fixed
  // at cold start.
  let logsRequests: boolean | undefined;

  const drop = (key: string, answer: KeptAnswer) => {
    kept.delete(key);
    keptBytes -= answer.bytes;
  };

  async function keep(key: string, route: HotRead, answer: Response): Promise<Response> {
    if (answer.status !== 200 || answer.headers.has('set-cookie')) return answer;
    const body = await answer.text();
    const replay = new Response(body, answer);
    if (route.isWhole && !isWhole(route.isWhole, body)) return replay;
    const headers: Record<string, string> = {};
    answer.headers.forEach((value, name) => {
      if (!NOT_REPLAYED.has(name)) headers[name] = value;
    });
    const previous = kept.get(key);
    if (previous) drop(key, previous);
    const bytes = Buffer.byteLength(body);
    kept.set(key, { body, bytes, headers, until: now() + route.ttlSeconds * 1000 });
    keptBytes += bytes;
    // Map order is insertion order: the first entries are the oldest.
    for (const [oldKey, oldAnswer] of kept) {
      if (keptBytes <= maxBytes) break;
      drop(oldKey, oldAnswer);
    }
    return replay;
  }

  // A remembered Bearer token yields the same principal object each time: describe it once.
  const callerKeys = new WeakMap<Principal, string>();
  const callerKey = (caller: Principal) => {
    let key = callerKeys.get(caller);
    if (key === undefined) {
      key = JSON.stringify(caller);
      callerKeys.set(caller, key);
    }
    return key;
  };

  /** The caller, null for nobody, undefined when only the full path can tell. */
  async function callerOf(headers: Headers): Promise<Principal | null | undefined> {
    const authorization = headers.get('authorization');
    if (authorization !== null) {
      // Only tokens the full path verified are known, so anything but `Bearer <exact token>` is not.
      return authorization.startsWith('Bearer ') ? deps.bearer.known(authorization.slice(7)) : undefined;
    }
    const cookie = headers.get('cookie');
    const sessionId = cookie === null ? undefined : parseCookies(cookie, SESSION_COOKIE)[SESSION_COOKIE];
    if (sessionId === undefined) return null;
    try {
      const session = await deps.sessions.read(sessionId);
      return session ? { ...session.user, via: 'session' } : null;
    } catch {
      return undefined;
    }
  }

  return {
    /** Answers `request` from memory when it can, else through `next` (the app), keeping what it may. */
    async fetch(
      request: Request,
      bindings: unknown,
      next: () => Response | Promise<Response>,
    ): Promise<Response> {
      const started = process.hrtime.bigint();
      if (request.method !== 'GET') return next();
      const path = pathOf(request.url);
      let route: HotRead | undefined;
      let groups: RegExpExecArray | null = null;
      for (const candidate of routes) {
        groups = candidate.path.exec(path);
        if (groups) {
          route = candidate;
          break;
        }
      }
      if (route === undefined || groups === null) return next();
      const headers = request.headers;
      if (headers.has('origin')) return next();
      const caller = await callerOf(headers);
      if (caller === undefined || (route.perCaller && caller === null)) return next();
      const params = groups.slice(1);
      const generations = deps.cache.keptGenerations(route.tags(params, caller));
      if (generations === undefined) return next();
      const who = route.perCaller ? `${callerKey(caller as Principal)}:` : '';
      const key = versionedKey('', `${who}${route.key(params)}`, generations);
      const answer = kept.get(key);
      if (answer === undefined || answer.until <= now()) {
        if (answer) drop(key, answer);
        return keep(key, route, await next());
      }
      if (!(await countRequest(deps, caller, bindings)).allowed) return next();
      let requestId: string;
      logsRequests ??= writesInfo(deps.log);
      if (logsRequests) {
        const identity = identifyRequest(deps.log, (name) => headers.get(name) ?? undefined);
        logAccess(identity.log, { method: 'GET', path, status: 200, started, cacheOutcome: 'hit' });
        requestId = identity.requestId;
      } else {
        requestId = requestIdFor(headers.get(REQUEST_ID_HEADER));
      }
      served++;
      return new Response(answer.body, {
        status: 200,
        headers: { ...answer.headers, [REQUEST_ID_HEADER]: requestId, [CACHE_HEADER]: 'hit' },
      });
    },

    stats: () => ({ served, kept: kept.size, keptBytes }),
  };
}

export type HotReads = ReturnType<typeof hotReads>;

function isWhole(check: (body: unknown) => boolean, body: string): boolean {
  try {
    return check(JSON.parse(body));
  } catch {
    return false;
  }
}

/** The path of an absolute request URL, without query or fragment. */
function pathOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  if (start < 0) return '/';
  const end = url.slice(start).search(/[?#]/);
  return end < 0 ? url.slice(start) : url.slice(start, start + end);
}
