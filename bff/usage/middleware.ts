import type { Context, MiddlewareHandler } from 'hono';
import type { UsageEventInput } from '#services/metrics/contract';
import type { BffEnv } from '../env.ts';

/** The caller as usage events name them: a user by id, or anonymous. */
export function usageActor(c: Context<BffEnv>): UsageEventInput['actor'] {
  const principal = c.get('principal');
  return principal ? { kind: 'user', id: principal.id } : { kind: 'anonymous', id: null };
}

/**
 * Records a usage event for the request. Never throws: counting must not fail what was counted
 * (an app built without a publisher, as some in-process tests build it, records nothing).
 */
export function recordUsage(c: Context<BffEnv>, event: UsageEventInput): void {
  try {
    c.get('deps').usage.record(event);
  } catch (error) {
    c.get('log').warn('usage event not recorded', { 'error.message': (error as Error).message });
  }
}

const SONG_PATH = /^\/api\/songs\/([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/i;

/**
 * `song.viewed` for every song read a person made, whoever answered it: it runs before the hot-read
 * step, so an answer kept in memory counts as much as one from the cache or the service.
 */
export function recordSongViews(): MiddlewareHandler<BffEnv> {
  return async (c, next) => {
    await next();
    if (c.req.method !== 'GET' || c.res.status !== 200) return;
    const songId = SONG_PATH.exec(c.req.path)?.[1]?.toLowerCase();
    if (!songId) return;
    recordUsage(c, {
      type: 'song.viewed',
      occurredAt: new Date().toISOString(),
      actor: usageActor(c),
      subject: { kind: 'song', id: songId },
      props: { songId },
    });
  };
}

/**
 * How the BFF makes sure its events leave before its process may be frozen. `background`: never
 * waited for (a long-lived server). `end-of-invocation`: on Lambda, after the answer is built, the
 * invocation waits up to `capMs` for the queued events to be sent (Lambda freezes the process once
 * the handler returns, and Hono's Lambda adapter offers no `waitUntil`); a send still running then
 * finishes in the next invocation, its retries included.
 */
export function flushUsage(
  mode: 'background' | 'end-of-invocation',
  capMs: number,
): MiddlewareHandler<BffEnv> {
  if (mode === 'background') return (_c, next) => next();
  return async (c, next) => {
    await next();
    const usage = c.get('deps').usage;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      usage.flush(),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, capMs);
      }),
    ]).finally(() => clearTimeout(timer));
  };
}
