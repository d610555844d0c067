import type { Context } from 'hono';
import { cacheTags } from '#lib/cache-tags';
import { NotFoundError } from '#lib/errors';
import type { Singer } from '#services/singers/contract';
import type { UserProfile } from '../auth/principal.ts';
import { cachedRead, invalidateAfterWrite } from '../cache/http.ts';
import type { BffEnv } from '../env.ts';

type SingerContext = Context<BffEnv>;

/** How long a singer's profile and favourites may be served from the read cache. */
export const SINGER_CACHE_SECONDS = 60;

/**
 * Creates the user's singer from their claims, or refreshes it (idempotent). The one place the BFF
 * does so: at sign-in (`/auth/callback`), and lazily when a signed-in user's singer is missing
 * (a Bearer caller who never signed in through the BFF, or a sign-in whose upsert failed). Access
 * tokens carry no name or email, so a singer first seen through one starts with the default stage
 * name (theirs to change) and no email until a browser sign-in brings it.
 */
export async function ensureSinger(c: SingerContext, user: UserProfile): Promise<Singer> {
  const singer = await c.get('deps').singers.upsert(c.var, user.id, {
    email: user.email ?? null,
    name: user.name ?? null,
  });
  await afterSingerWrite(c, user.id);
  return singer;
}

/** The caller's singer profile, through the cache; created from their claims if they have none yet. */
export function ownSinger(c: SingerContext, caller: UserProfile): Promise<Singer> {
  return readSinger(c, caller.id, 'profile', () =>
    c
      .get('deps')
      .singers.get(c.var, caller.id)
      .catch((error: unknown) => {
        if (error instanceof NotFoundError) return ensureSinger(c, caller);
        throw error;
      }),
  );
}

/**
 * Reads of a singer's data go through the read cache, filed under the singer's tag, for at most
 * `SINGER_CACHE_SECONDS`; every write of the BFF invalidates the tag before it answers, so a
 * singer reads their own writes.
 */
export function readSinger<T>(
  c: SingerContext,
  singerId: string,
  what: string,
  load: () => Promise<T>,
): Promise<T> {
  return cachedRead(c, `me:${singerId}:${what}`, [cacheTags.singer(singerId)], load, {
    ttlSeconds: SINGER_CACHE_SECONDS,
  });
}

export function afterSingerWrite(c: SingerContext, singerId: string): Promise<void> {
  return invalidateAfterWrite(c, [cacheTags.singer(singerId)]);
}
