import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { type Context, Hono } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { cacheTags } from '#lib/cache-tags';
import { ConflictError, NotFoundError, ValidationError } from '#lib/errors';
import type { Song } from '#services/catalog/contract';
import { type LinkActivity, type LinkView, PASSWORD_MAX } from '#services/playlists/contract';
import type { BffEnv } from '../env.ts';
import { lockedPage, noticePage, type PitchTrack, pitchPage } from '../pitch/render.ts';
import {
  memoryUnlockAttempts,
  UNLOCK_COOKIE,
  UNLOCK_COOKIE_SECONDS,
  unlockCookieOptions,
  unlockCookieValue,
  unlockDecision,
  unlockedRecipient,
} from '../pitch/unlock.ts';
import { pageCsp, type WebManifest, webDirectory } from './web.ts';

type PitchContext = Context<BffEnv>;

/** A path as logs and traces show it: a pitch link's token is a credential, so `/p/<token>/…` keeps only its shape. */
export const withoutPitchToken = (path: string) => path.replace(/^\/p\/[^/]+/, '/p/{token}');

/** The longest token the lookup is asked about; anything longer is asked about as the empty token. */
const TOKEN_MAX = 100;
const SONG_ID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const SONGS_CACHE_SECONDS = 300;

/**
 * Every answer under `/p`: never cached or indexed, never sending the link on as a referrer, and
 * the pages' policy (no script at all; the site's stylesheet; audio from this origin and the
 * presigned S3 links it redirects to).
 */
function pitchHeaders(stage: string): Array<[string, string]> {
  return [
    ['cache-control', 'no-store'],
    ['referrer-policy', 'no-referrer'],
    ['x-robots-tag', 'noindex, nofollow'],
    ['content-security-policy', pageCsp(stage)],
  ];
}

/** The site's stylesheet as `npm run build` named it; none when the front end is not built. */
function stylesheetsOnce(): () => Promise<string[]> {
  let stylesheets: Promise<string[]> | undefined;
  return () => {
    stylesheets ??= (async () => {
      try {
        const manifest = JSON.parse(
          await readFile(path.join(webDirectory(), 'manifest.json'), 'utf8'),
        ) as WebManifest;
        return [...new Set(Object.values(manifest.pages).flatMap((page) => page.styles))].slice(0, 1);
      } catch {
        return [];
      }
    })();
    return stylesheets;
  };
}

/**
 * The pitch recipient's pages at `/p/<token>`, for people without an account: the pitch's title,
 * message and tracks (a player each, a download link when the pitch allows it), a password form
 * when the link has one, and the stream and download redirects to short-lived S3 links.
 *
 * Every token takes one path, whatever it looks like: the playlists service looks it up (a
 * malformed one as a hash of nothing), so an unknown token and a malformed one answer the same
 * 404 in the same time. A revoked or expired link answers 410. Opens, plays and downloads are
 * recorded by the service as it answers (usage events through its outbox).
 */
export function pitchPageRoutes() {
  const stylesheets = stylesheetsOnce();
  // Used only when the deps name no shared store (in-process tests); wiring gives Redis.
  const fallbackAttempts = memoryUnlockAttempts();
  const app = new Hono<BffEnv>();

  app.use('*', async (c, next) => {
    const headers = pitchHeaders(c.get('deps').config.STAGE);
    // Set before the page is built, so every later copy of the response keeps them; and again on
    // whatever answers in the end (an error's problem document included).
    for (const [name, value] of headers) c.header(name, value);
    await next();
    for (const [name, value] of headers) c.res.headers.set(name, value);
  });

  const page = async (c: PitchContext, status: 200 | 400 | 401 | 403 | 404 | 410 | 429, html: string) =>
    c.html(html, status);
  const notice = async (
    c: PitchContext,
    status: 400 | 401 | 403 | 404 | 410 | 429,
    heading: string,
    text: string,
  ) => page(c, status, noticePage(heading, text, await stylesheets()));
  const unknown = (c: PitchContext) =>
    notice(c, 404, 'Link not found', 'This link does not exist. Check that you copied all of it.');
  const gone = (c: PitchContext) =>
    notice(c, 410, 'This link has ended', 'The person who sent it revoked it, or it has expired.');

  /** What the token opens, or null for an unknown one. */
  async function resolve(
    c: PitchContext,
    token: string,
    extra: { password?: string; activity?: LinkActivity } = {},
  ): Promise<LinkView | null> {
    const { config, pitches } = c.get('deps');
    const unlockedFor = unlockedRecipient(config.PITCH_COOKIE_KEY, getCookie(c, UNLOCK_COOKIE), new Date());
    try {
      return await pitches.resolve(c.var, {
        token: token.length <= TOKEN_MAX ? token : '',
        ...extra,
        ...(unlockedFor ? { unlockedFor } : {}),
      });
    } catch (error) {
      if (error instanceof NotFoundError || error instanceof ValidationError) return null;
      throw error;
    }
  }

  /** The songs as the catalog has them now (one lookup, cached under each song's tag). */
  async function tracksOf(c: PitchContext, view: LinkView): Promise<PitchTrack[]> {
    const { cache, catalog } = c.get('deps');
    const songIds = [...new Set(view.songIds)];
    const { value: known } = await cache.getOrLoad(
      `pitch:${view.pitchId}:songs`,
      songIds.map((songId) => cacheTags.song(songId)),
      async () => {
        if (songIds.length === 0) return {} as Record<string, Song>;
        const { songs } = await catalog.lookup(c.var, songIds);
        return Object.fromEntries(songs.map((song) => [song.id, song]));
      },
      { ttlSeconds: SONGS_CACHE_SECONDS },
    );
    return view.songIds.map((songId) => {
      const song = known[songId];
      return song
        ? {
            songId,
            title: song.title,
            artist: song.artist,
            durationMs: song.durationMs,
            hasAudio: song.hasAudio,
          }
        : { songId, title: null, artist: null, durationMs: null, hasAudio: false };
    });
  }

  app.get('/:token', async (c) => {
    const token = c.req.param('token');
    const view = await resolve(c, token, { activity: { kind: 'open' } });
    if (!view) return unknown(c);
    if (view.state === 'gone') return gone(c);
    if (view.state === 'locked')
      return page(c, 200, lockedPage({ token, wrong: false, stylesheets: await stylesheets() }));
    return page(
      c,
      200,
      pitchPage({
        token,
        title: view.title,
        message: view.message,
        allowDownload: view.allowDownload,
        tracks: await tracksOf(c, view),
        stylesheets: await stylesheets(),
      }),
    );
  });

  app.post('/:token/unlock', async (c) => {
    const token = c.req.param('token');
    const type = c.req.header('content-type') ?? '';
    const form =
      type.startsWith('application/x-www-form-urlencoded') || type.startsWith('multipart/form-data')
        ? await c.req.parseBody().catch(() => ({}) as Record<string, unknown>)
        : {};
    const password = (form as Record<string, unknown>).password;
    if (typeof password !== 'string' || password.length === 0) {
      return notice(c, 400, 'Password needed', 'Send the password from the form on the pitch page.');
    }
    if (password.length > PASSWORD_MAX) {
      return notice(c, 400, 'Password too long', `A pitch password has at most ${PASSWORD_MAX} characters.`);
    }
    const view = await resolve(c, token);
    if (!view) return unknown(c);
    if (view.state === 'gone') return gone(c);
    if (view.state === 'open') return c.redirect(`/p/${token}`, 303);
    const attempts = c.get('deps').pitchUnlocks ?? fallbackAttempts;
    const now = new Date();
    const decision = unlockDecision(await attempts.wrongSince(view.recipientId, now), now);
    if (!decision.allowed) {
      c.header('retry-after', String(decision.retryAfterSeconds));
      return notice(
        c,
        429,
        'Too many attempts',
        `Too many wrong passwords for this link. Try again in ${Math.ceil(decision.retryAfterSeconds / 60)} minutes.`,
      );
    }
    const unlocked = await resolve(c, token, { password });
    if (unlocked?.state === 'open') {
      const { config } = c.get('deps');
      const expiresAt = Math.floor(now.getTime() / 1000) + UNLOCK_COOKIE_SECONDS;
      setCookie(
        c,
        UNLOCK_COOKIE,
        unlockCookieValue(config.PITCH_COOKIE_KEY, view.recipientId, expiresAt),
        unlockCookieOptions(token),
      );
      return c.redirect(`/p/${token}`, 303);
    }
    await attempts.recordWrong(view.recipientId, now);
    return page(c, 401, lockedPage({ token, wrong: true, stylesheets: await stylesheets() }));
  });

  const media = (kind: 'play' | 'download') => async (c: PitchContext) => {
    const token = c.req.param('token') as string;
    const songParam = c.req.param('songId') as string;
    if (!SONG_ID.test(songParam)) return unknown(c);
    const songId = songParam.toLowerCase();
    const view = await resolve(c, token, { activity: { kind, songId } });
    if (!view) return unknown(c);
    if (view.state === 'gone') return gone(c);
    if (view.state === 'locked') {
      return notice(c, 401, 'Password needed', 'Open the pitch page and enter its password first.');
    }
    if (!view.songIds.includes(songId)) return unknown(c);
    if (kind === 'download' && !view.allowDownload) {
      return notice(c, 403, 'Streaming only', 'This pitch lets you listen to its songs, not download them.');
    }
    const { catalog } = c.get('deps');
    try {
      const link =
        kind === 'play'
          ? await catalog.mediaStream(c.var, songId)
          : await catalog.mediaDownload(c.var, songId);
      return c.redirect(link.url, 302);
    } catch (error) {
      // Gone from the catalog, or no ready audio yet (a 409 from the catalog): the page says so alike.
      if (error instanceof NotFoundError || error instanceof ConflictError) {
        return notice(c, 404, 'No audio', 'This song has no audio to play yet.');
      }
      throw error;
    }
  };
  app.get('/:token/tracks/:songId/stream', media('play'));
  app.get('/:token/tracks/:songId/download', media('download'));

  return app;
}
