import type { MiddlewareHandler } from 'hono';
import { REQUEST_ID_HEADER } from '#lib/http';
import type { AuthVariables } from '../auth/middleware.ts';
import type { Principal } from '../auth/principal.ts';
import { CACHE_HEADER } from './http.ts';
import type { Cache } from './port.ts';

/** A GET route whose answers {@link keptAnswers} may keep in process memory. */
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

export interface KeptAnswersOptions {
  /** Bytes of answers kept at most; the oldest go first. */
  maxBytes?: number;
  now?: () => number;
}

interface KeptAnswer {
  body: string;
  bytes: number;
  headers: Record<string, string>;
  until: number;
  /** The answer's tags, and their generations held before the route made it. */
  tags: readonly string[];
  generations: ReadonlyArray<string | null>;
}

/** Headers of an answer that belong to its request, or must never be replayed to someone else. */
const NOT_REPLAYED = new Set([REQUEST_ID_HEADER, CACHE_HEADER, 'content-length', 'set-cookie']);

/**
 * Answers repeated reads of a few hot routes from this process's memory. It is one step of the
 * request pipeline, after authentication and the rate limit, so a kept answer goes through every
 * policy a fresh one does (request id, access log, CORS, security headers, who the caller is, how
 * many requests they made); what it saves is the route itself: no Redis read, no service call, no
 * JSON round trip.
 *
 * **Never staler than the read cache.** An answer is filed under the generations of its tags that
 * this process held *before* the route produced it, the read cache's versioning rule
 * (redis-cache.ts), and is served only while the read cache still holds those same generations in
 * process: an invalidation by this process drops them at once (read-your-writes), one made elsewhere
 * is seen when they are next read from Redis (within `generationTtlMs`). When the generations are
 * not held, or Redis is off, the route answers and reads them again.
 *
 * What is kept is the route's own answer as it left the route (body and the route's headers), so a
 * kept answer and a fresh one look alike once the rest of the pipeline has added its headers.
 */
export function keptAnswers(
  cache: Pick<Cache, 'keptGenerations'>,
  routes: readonly HotRead[],
  options: KeptAnswersOptions = {},
) {
  const now = options.now ?? Date.now;
  const maxBytes = options.maxBytes ?? 16 * 1024 * 1024;
  const kept = new Map<string, KeptAnswer>();
  let keptBytes = 0;
  let served = 0;

  const drop = (key: string, answer: KeptAnswer) => {
    kept.delete(key);
    keptBytes -= answer.bytes;
  };

  /** Keeps the route's answer under `key` when it may be kept. */
  async function keep(
    key: string,
    route: HotRead,
    answer: Response,
    filedUnder: Pick<KeptAnswer, 'tags' | 'generations'>,
  ) {
    if (answer.status !== 200 || answer.headers.has('set-cookie')) return;
    const body = await answer.clone().text();
    if (route.isWhole && !isWhole(route.isWhole, body)) return;
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
  }

  /** Not past its lifetime, and the read cache still holds the generations it was filed under. */
  function isCurrent(answer: KeptAnswer): boolean {
    if (answer.until <= now()) return false;
    const held = cache.keptGenerations(answer.tags);
    return held?.every((generation, index) => generation === answer.generations[index]) === true;
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

  const middleware: MiddlewareHandler<{ Variables: AuthVariables }> = async (c, next) => {
    if (c.req.method !== 'GET') return next();
    const path = pathOf(c.req.url);
    const route = routes.find((candidate) => candidate.path.test(path));
    const caller = c.get('principal');
    if (route === undefined || (route.perCaller && caller === null)) return next();
    const key = caller !== null && route.perCaller ? `${callerKey(caller)}\n${path}` : path;
    const keptAnswer = kept.get(key);
    if (keptAnswer !== undefined && isCurrent(keptAnswer)) {
      served++;
      const headers: Record<string, string> = Object.assign({}, keptAnswer.headers);
      headers[CACHE_HEADER] = 'hit';
      return c.body(keptAnswer.body, 200, headers);
    }
    // The groups are needed only to file a new answer, not on the hit path above.
    const tags = route.tags((route.path.exec(path) ?? []).slice(1), caller);
    const generations = cache.keptGenerations(tags);
    await next();
    if (generations !== undefined) await keep(key, route, c.res, { tags, generations });
  };

  return { middleware, stats: () => ({ served, kept: kept.size, keptBytes }) };
}

function isWhole(check: (body: unknown) => boolean, body: string): boolean {
  try {
    return check(JSON.parse(body));
  } catch {
    return false;
  }
}

/** The path of an absolute request URL as sent, without query or fragment. */
function pathOf(url: string): string {
  const start = url.indexOf('/', url.indexOf('//') + 2);
  if (start < 0) return '/';
  const end = url.slice(start).search(/[?#]/);
  return end < 0 ? url.slice(start) : url.slice(start, start + end);
}
