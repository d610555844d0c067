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

/** A GET route whose answers {@link hotReads} may keep in process memory. */
export interface HotRead {
  /**
   * The paths it answers, each path one answer (the query is ignored, as these routes ignore it);
   * its groups go to `tags`.
   */
  path: RegExp;
  /** Answers only signed-in callers, each their own; otherwise one answer for anyone. */
  perCaller: boolean;
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
  /** The answer's tags, and their generations held before the app made it. */
  tags: readonly string[];
  generations: ReadonlyArray<string | null>;
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

  /** The app's answer, kept under `key` when it may be. */
  async function keepAnswer(
    key: string,
    route: HotRead,
    filedUnder: Pick<KeptAnswer, 'tags' | 'generations'>,
    next: () => Response | Promise<Response>,
  ): Promise<Response> {
    const answer = await next();
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
    kept.set(key, { body, bytes, headers, until: now() + route.ttlSeconds * 1000, ...filedUnder });
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

  /**
   * The caller, null for nobody, undefined when only the full path can tell. Known at once for a
   * Bearer token or no credentials; a session is read from the store.
   */
  function callerOf(headers: Headers): Principal | null | undefined | Promise<Principal | null | undefined> {
    const authorization = headers.get('authorization');
    if (authorization !== null) {
      // Only tokens the full path verified are known, so anything but `Bearer <exact token>` is not.
      return authorization.startsWith('Bearer ') ? deps.bearer.known(authorization.slice(7)) : undefined;
    }
    const cookie = headers.get('cookie');
    const sessionId = cookie === null ? undefined : parseCookies(cookie, SESSION_COOKIE)[SESSION_COOKIE];
    if (sessionId === undefined) return null;
    return deps.sessions.read(sessionId).then(
      (session) => (session ? { ...session.user, via: 'session' as const } : null),
      () => undefined,
    );
  }

  /** One request to a hot route, from its caller on. */
  interface HotRequest {
    route: HotRead;
    params: string[];
    path: string;
    headers: Headers;
    bindings: unknown;
    next: () => Response | Promise<Response>;
    started: bigint;
  }

  /**
   * The kept answer when it is current and the rate limit lets the request through; otherwise the
   * app's, kept when the tags' generations were held before it ran.
   */
  function answerFor(
    request: HotRequest,
    caller: Principal | null | undefined,
  ): Response | Promise<Response> {
    const { route, next } = request;
    if (caller === undefined || (route.perCaller && caller === null)) return next();
    const key = route.perCaller ? `${callerKey(caller as Principal)}\n${request.path}` : request.path;
    const keptAnswer = kept.get(key);
    if (keptAnswer !== undefined && isCurrent(keptAnswer)) {
      // Counted before serving; a refused request takes the full path, which answers 429.
      const decision = countRequest(deps, caller, request.bindings);
      if (decision instanceof Promise) {
        return decision.then((counted) => (counted.allowed ? replay(request, keptAnswer) : next()));
      }
      return decision.allowed ? replay(request, keptAnswer) : next();
    }
    const tags = route.tags(request.params, caller);
    const generations = deps.cache.keptGenerations(tags);
    if (generations === undefined) return next();
    return keepAnswer(key, route, { tags, generations }, next);
  }

  /** Not past its lifetime, and the read cache still holds the generations it was filed under. */
  function isCurrent(answer: KeptAnswer): boolean {
    if (answer.until <= now()) return false;
    const held = deps.cache.keptGenerations(answer.tags);
    return held?.every((generation, index) => generation === answer.generations[index]) === true;
  }

  function replay({ headers, path, started }: HotRequest, answer: KeptAnswer): Response {
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
    // Copied, then added to: a spread followed by computed keys makes V8 build a dictionary-mode
    // object, measured eight times slower (2.5 µs a request).
    const replayed: Record<string, string> = Object.assign({}, answer.headers);
    replayed[REQUEST_ID_HEADER] = requestId;
    replayed[CACHE_HEADER] = 'hit';
    return new Response(answer.body, { status: 200, headers: replayed });
  }

  return {
    /**
     * Answers `request` from memory when it can, else through `next` (the app), keeping what it may.
     * A kept answer to a caller known at once comes back synchronously, not as a promise: the
     * server then writes it without a trip through the microtask queue.
     */
    fetch(
      request: Request,
      bindings: unknown,
      next: () => Response | Promise<Response>,
    ): Response | Promise<Response> {
      if (request.method !== 'GET') return next();
      // The access log's clock, read only while there is an access log.
      const started = logsRequests === false ? 0n : process.hrtime.bigint();
      const path = pathOf(request.url);
      for (const route of routes) {
        const groups = route.path.exec(path);
        if (groups === null) continue;
        const headers = request.headers;
        if (headers.has('origin')) return next();
        const hot: HotRequest = { route, params: groups.slice(1), path, headers, bindings, next, started };
        const caller = callerOf(headers);
        return caller instanceof Promise
          ? caller.then((known) => answerFor(hot, known))
          : answerFor(hot, caller);
      }
      return next();
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
