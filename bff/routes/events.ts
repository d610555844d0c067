import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { Context } from 'hono';
import { cacheTags } from '#lib/cache-tags';
import { NotFoundError, UnauthorizedError, UnprocessableContentError } from '#lib/errors';
import { ifMatchHeader, ifNoneMatchHeader } from '#lib/if-match';
import { jsonBody, jsonResponse } from '#lib/openapi';
import type { RotationAction } from '#services/rotations/contract';
import { requireAuth, requireRole, signedInPrincipal } from '../auth/middleware.ts';
import { authErrorResponses, signedIn } from '../auth/openapi.ts';
import { actorOf } from '../auth/principal.ts';
import { cachedRead, invalidateAfterWrite } from '../cache/http.ts';
import type { BffEnv } from '../env.ts';
import { ownSinger } from '../singers/own-singer.ts';
import {
  ChangeKey,
  KaraokeEvent,
  KeyChange,
  MoveSinger,
  OpenEvent,
  RequestReceipt,
  Rotation,
  StageName,
} from './shapes.ts';

const EventId = z.object({ id: z.uuid({ error: 'must be an event id (uuid)' }) });
const RequestKey = EventId.extend({ requestId: z.uuid({ error: 'must be a request id (uuid)' }) });
const IfMatch = ifMatchHeader('The rotation ETag you last read; a 412 if the rotation changed since', 100);
const IfNoneMatch = ifNoneMatchHeader('The rotation ETag you last read; a 304 while it is current');

const RequestSong = z
  .object({
    songId: z.uuid({ error: 'must be a song id (uuid)' }),
    keyChange: KeyChange.optional().openapi({ description: 'Semitones, −6…+6 (default 0)' }),
    guestName: StageName.optional().openapi({
      description: 'KJ only: request for a walk-in guest without an account; the same name is the same guest',
    }),
  })
  .strict()
  .openapi('RequestSong');

/** A request names its song in the body: one the catalog lacks makes the request unprocessable, not the night missing. */
const noSuchSong = () =>
  new UnprocessableContentError('No such song in the catalog.', {
    details: { issues: [{ path: 'songId', message: 'no such song' }] },
  });

const kjOnly = { security: signedIn, middleware: requireRole('kj') };
const signedInOnly = { security: signedIn, middleware: requireAuth() };
const rotationWithEtag = (description: string) => ({
  ...jsonResponse(Rotation, description),
  headers: z.object({ etag: z.string().openapi({ description: 'The rotation version, for If-Match' }) }),
});
const guarded = { 401: authErrorResponses[401], 403: authErrorResponses[403] };

const routes = {
  open: createRoute({
    ...kjOnly,
    tags: ['events'],
    method: 'post',
    path: '/events',
    summary: 'Open a karaoke night (KJ)',
    request: { body: jsonBody(OpenEvent) },
    responses: { 201: jsonResponse(KaraokeEvent, 'The night, open'), ...guarded },
  }),
  get: createRoute({
    tags: ['events'],
    method: 'get',
    path: '/events/{id}',
    summary: 'A karaoke night (anyone when it is on public display)',
    request: { params: EventId },
    responses: { 200: jsonResponse(KaraokeEvent, 'The night'), ...guarded },
  }),
  close: createRoute({
    ...kjOnly,
    tags: ['events'],
    method: 'post',
    path: '/events/{id}/close',
    summary: 'Close a karaoke night (its KJ)',
    request: { params: EventId },
    responses: { 200: jsonResponse(KaraokeEvent, 'The night, closed'), ...guarded },
  }),
  request: createRoute({
    ...signedInOnly,
    tags: ['events'],
    method: 'post',
    path: '/events/{id}/requests',
    summary: 'Request a song for yourself (or, as the KJ, for a walk-in guest)',
    description:
      'Your first request of the night puts you in the rotation, where the night’s fairness mode says. ' +
      'Your requests are sung in the order you made them, one per turn.',
    request: { params: EventId, body: jsonBody(RequestSong) },
    responses: {
      201: jsonResponse(RequestReceipt, 'The request, queued'),
      ...guarded,
      409: { description: 'The night is closed, or you already have as many requests queued as it allows' },
      422: { description: 'No such song in the catalog' },
    },
  }),
  withdraw: createRoute({
    ...signedInOnly,
    tags: ['events'],
    method: 'delete',
    path: '/events/{id}/requests/{requestId}',
    summary: 'Withdraw a request (its singer or the KJ; idempotent)',
    request: { params: RequestKey },
    responses: { 204: { description: 'Withdrawn' }, ...guarded },
  }),
  changeKey: createRoute({
    ...signedInOnly,
    tags: ['events'],
    method: 'patch',
    path: '/events/{id}/requests/{requestId}',
    summary: 'Change the key of a waiting request (its singer or the KJ)',
    description:
      'Semitones, −6…+6. Only while the song waits: once it is on stage, sung or withdrawn, a 409. ' +
      'The turn keeps its place.',
    request: { params: RequestKey, headers: IfMatch, body: jsonBody(ChangeKey) },
    responses: {
      200: rotationWithEtag('The rotation after'),
      ...guarded,
      412: { description: 'Stale If-Match' },
      409: { description: 'The song is on stage, sung or withdrawn, or the night is closed' },
    },
  }),
  rotation: createRoute({
    tags: ['events'],
    method: 'get',
    path: '/events/{id}/rotation',
    summary: 'Who sings now and who is up next (anyone when the night is on public display)',
    request: { params: EventId, headers: IfNoneMatch },
    responses: {
      200: rotationWithEtag('The rotation'),
      304: { description: 'Unchanged since the ETag sent in If-None-Match' },
      ...guarded,
    },
  }),
  advance: createRoute({
    ...kjOnly,
    tags: ['events'],
    method: 'post',
    path: '/events/{id}/rotation/advance',
    summary: 'Finish the turn now performing and start the next (its KJ)',
    request: { params: EventId, headers: IfMatch },
    responses: {
      200: rotationWithEtag('The rotation after'),
      ...guarded,
      412: { description: 'Stale If-Match' },
      409: { description: 'The night is closed' },
    },
  }),
  skip: createRoute({
    ...kjOnly,
    tags: ['events'],
    method: 'post',
    path: '/events/{id}/rotation/skip',
    summary: 'End the current turn without a performance and start the next (its KJ)',
    description: 'The skipped request stays its singer’s first for their next turn.',
    request: { params: EventId, headers: IfMatch },
    responses: {
      200: rotationWithEtag('The rotation after'),
      ...guarded,
      412: { description: 'Stale If-Match' },
      409: { description: 'The night is closed' },
    },
  }),
  move: createRoute({
    ...kjOnly,
    tags: ['events'],
    method: 'post',
    path: '/events/{id}/rotation/move',
    summary: 'Put a singer at a position of up-next (its KJ)',
    request: { params: EventId, headers: IfMatch, body: jsonBody(MoveSinger) },
    responses: {
      200: rotationWithEtag('The rotation after'),
      ...guarded,
      412: { description: 'Stale If-Match' },
      409: { description: 'The night is closed' },
    },
  }),
};

type EventContext = Context<BffEnv>;

/** How long a rotation may be served from the read cache; every write through the BFF invalidates it first. */
const ROTATION_CACHE_SECONDS = 30;

const etagOf = (version: number) => `"${version}"`;

/** The night and its rotation, through the cache; anonymous callers only for nights on public display. */
async function readNight(c: EventContext, eventId: string) {
  const { rotations } = c.get('deps');
  const night = await cachedRead(
    c,
    `rotation:${eventId}`,
    [cacheTags.rotation(eventId)],
    async () => {
      const [event, rotation] = await Promise.all([
        rotations.get(c.var, eventId),
        rotations.rotation(c.var, eventId),
      ]);
      return { event, rotation };
    },
    { ttlSeconds: ROTATION_CACHE_SECONDS },
  );
  if (!c.get('principal') && !night.event.publicDisplay) {
    throw new UnauthorizedError('This karaoke night is not on public display; sign in to see it.');
  }
  return night;
}

/**
 * A write to one night can move the turns of every singer waiting there, so each rotation write
 * also invalidates every upcoming turn `/api/me` caches: cheap, as a night changes about once a minute.
 */
async function afterRotationWrite(c: EventContext, eventId: string) {
  await invalidateAfterWrite(c, [cacheTags.rotation(eventId), cacheTags.anyRotation]);
}

/** `/api/events…`: karaoke nights, mounted at `/api`. */
export function eventRoutes() {
  const act = async (
    c: EventContext,
    eventId: string,
    action: RotationAction,
    ifMatch: string | undefined,
  ) => {
    const rotation = await c
      .get('deps')
      .rotations.act(c.var, actorOf(signedInPrincipal(c)), eventId, action, ifMatch);
    await afterRotationWrite(c, eventId);
    c.header('etag', etagOf(rotation.version));
    return c.json(rotation, 200);
  };
  return new OpenAPIHono<BffEnv>()
    .openapi(routes.open, async (c) => {
      const event = await c
        .get('deps')
        .rotations.open(c.var, actorOf(signedInPrincipal(c)), c.req.valid('json'));
      return c.json(event, 201);
    })
    .openapi(routes.get, async (c) => c.json((await readNight(c, c.req.valid('param').id)).event, 200))
    .openapi(routes.close, async (c) => {
      const { id } = c.req.valid('param');
      const event = await c.get('deps').rotations.close(c.var, actorOf(signedInPrincipal(c)), id);
      await afterRotationWrite(c, id);
      return c.json(event, 200);
    })
    .openapi(routes.request, async (c) => {
      const { id } = c.req.valid('param');
      const { songId, keyChange, guestName } = c.req.valid('json');
      const { catalog, rotations } = c.get('deps');
      const principal = signedInPrincipal(c);
      // The song must be in the catalog (422 otherwise); its facts travel with the request.
      const [song, singer] = await Promise.all([
        catalog.get(c.var, songId).catch((error: unknown) => {
          if (error instanceof NotFoundError) throw noSuchSong();
          throw error;
        }),
        guestName === undefined ? ownSinger(c, principal) : null,
      ]);
      const receipt = await rotations.request(c.var, actorOf(principal), id, {
        songId,
        title: song.title,
        artist: song.artist,
        durationMs: song.durationMs,
        keyChange: keyChange ?? 0,
        stageName: singer?.stageName ?? guestName ?? 'Guest',
        ...(guestName === undefined ? {} : { guestName }),
      });
      await afterRotationWrite(c, id);
      return c.json(receipt, 201);
    })
    .openapi(routes.withdraw, async (c) => {
      const { id, requestId } = c.req.valid('param');
      await c.get('deps').rotations.withdraw(c.var, actorOf(signedInPrincipal(c)), id, requestId);
      await afterRotationWrite(c, id);
      return c.body(null, 204);
    })
    .openapi(routes.changeKey, async (c) => {
      const { id, requestId } = c.req.valid('param');
      const rotation = await c
        .get('deps')
        .rotations.changeKey(
          c.var,
          actorOf(signedInPrincipal(c)),
          id,
          requestId,
          c.req.valid('json'),
          c.req.valid('header')['if-match'],
        );
      await afterRotationWrite(c, id);
      c.header('etag', etagOf(rotation.version));
      return c.json(rotation, 200);
    })
    .openapi(routes.rotation, async (c) => {
      const { rotation } = await readNight(c, c.req.valid('param').id);
      const etag = etagOf(rotation.version);
      c.header('etag', etag);
      // Cached copies must be revalidated: the rotation changes at every turn.
      c.header('cache-control', 'no-cache');
      const sent = c.req.valid('header')['if-none-match'];
      if (sent?.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)) return c.body(null, 304);
      return c.json(rotation, 200);
    })
    .openapi(routes.advance, (c) =>
      act(c, c.req.valid('param').id, { type: 'advance' }, c.req.valid('header')['if-match']),
    )
    .openapi(routes.skip, (c) =>
      act(c, c.req.valid('param').id, { type: 'skip' }, c.req.valid('header')['if-match']),
    )
    .openapi(routes.move, (c) =>
      act(
        c,
        c.req.valid('param').id,
        { type: 'move', ...c.req.valid('json') },
        c.req.valid('header')['if-match'],
      ),
    );
}
