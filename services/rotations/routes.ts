import { createRoute, type OpenAPIHono, z } from '@hono/zod-openapi';
import { actorOf } from '#lib/actor';
import { ValidationError } from '#lib/errors';
import { jsonBody, jsonResponse } from '#lib/openapi';
import type { ServiceEnv } from '#lib/service-app';
import { StageName } from '#services/singers/schema';
import {
  KaraokeEvent,
  MoveSinger,
  OpenEvent,
  RequestReceipt,
  Rotation,
  SongRequest,
  UpcomingTurn,
} from './schema.ts';
import type { RotationsService } from './service.ts';

const EventId = z.object({ id: z.uuid({ error: 'must be an event id (uuid)' }) });
const RequestKey = EventId.extend({ requestId: z.uuid({ error: 'must be a request id (uuid)' }) });
const SingerId = z.object({ id: z.uuid({ error: 'must be a singer id (uuid)' }) });
const IfMatch = z.object({ 'if-match': z.string().max(100).optional() });
/** The BFF adds the singer's stage name from their profile. */
const InternalSongRequest = SongRequest.extend({ stageName: StageName });

const KJ_ACTIONS = ['advance', 'skip'] as const;

const routes = {
  open: createRoute({
    method: 'post',
    path: '/events',
    request: { body: jsonBody(OpenEvent) },
    responses: { 201: jsonResponse(KaraokeEvent, 'The night, open') },
  }),
  get: createRoute({
    method: 'get',
    path: '/events/{id}',
    request: { params: EventId },
    responses: { 200: jsonResponse(KaraokeEvent, 'The night') },
  }),
  rotation: createRoute({
    method: 'get',
    path: '/events/{id}/rotation',
    request: { params: EventId },
    responses: { 200: jsonResponse(Rotation, 'Who sings now and next') },
  }),
  request: createRoute({
    method: 'post',
    path: '/events/{id}/requests',
    request: { params: EventId, body: jsonBody(InternalSongRequest) },
    responses: { 201: jsonResponse(RequestReceipt, 'The request, queued') },
  }),
  withdraw: createRoute({
    method: 'delete',
    path: '/events/{id}/requests/{requestId}',
    request: { params: RequestKey },
    responses: { 204: { description: 'Withdrawn (or already withdrawn)' } },
  }),
  turnAction: createRoute({
    method: 'post',
    path: '/events/{id}/rotation/{action}',
    request: {
      params: EventId.extend({ action: z.enum(KJ_ACTIONS) }),
      headers: IfMatch,
    },
    responses: { 200: jsonResponse(Rotation, 'The rotation after the action') },
  }),
  move: createRoute({
    method: 'post',
    path: '/events/{id}/rotation/move',
    request: { params: EventId, headers: IfMatch, body: jsonBody(MoveSinger) },
    responses: { 200: jsonResponse(Rotation, 'The rotation after the move') },
  }),
  close: createRoute({
    method: 'post',
    path: '/events/{id}/close',
    request: { params: EventId },
    responses: { 200: jsonResponse(KaraokeEvent, 'The night, closed') },
  }),
  upcoming: createRoute({
    method: 'get',
    path: '/singers/{id}/turns',
    request: { params: SingerId },
    responses: {
      200: jsonResponse(z.object({ items: z.array(UpcomingTurn) }), 'Turns to come, soonest first'),
    },
  }),
  rebuild: createRoute({
    method: 'post',
    path: '/events/{id}/rebuild',
    description: 'Folds the night’s event log again and stores the result as its read model.',
    request: { params: EventId },
    responses: { 200: jsonResponse(z.object({ changed: z.boolean() }), 'Whether the stored model differed') },
  }),
};

/**
 * The rotation version an `If-Match` header pins: `"12"` (an ETag the BFF handed out), `W/"12"` or
 * `12`; undefined for none or `*`.
 */
export function versionFromIfMatch(header: string | undefined): number | undefined {
  if (header === undefined || header.trim() === '*') return undefined;
  const match = /^\s*(?:W\/)?"?(\d{1,9})"?\s*$/.exec(header);
  if (!match?.[1]) {
    throw new ValidationError('If-Match must be the rotation ETag from a previous read, e.g. "12".', [
      { path: 'If-Match', message: 'not a rotation version' },
    ]);
  }
  return Number(match[1]);
}

export function rotationRoutes(app: OpenAPIHono<ServiceEnv>, rotations: RotationsService) {
  return app
    .openapi(routes.open, async (c) => c.json(await rotations.open(actorOf(c), c.req.valid('json')), 201))
    .openapi(routes.get, async (c) => c.json(await rotations.get(c.req.valid('param').id), 200))
    .openapi(routes.rotation, async (c) => c.json(await rotations.rotation(c.req.valid('param').id), 200))
    .openapi(routes.request, async (c) =>
      c.json(await rotations.request(c.req.valid('param').id, actorOf(c), c.req.valid('json')), 201),
    )
    .openapi(routes.withdraw, async (c) => {
      const { id, requestId } = c.req.valid('param');
      await rotations.withdraw(id, actorOf(c), requestId);
      return c.body(null, 204);
    })
    .openapi(routes.move, async (c) => {
      const ifMatch = versionFromIfMatch(c.req.valid('header')['if-match']);
      const move = { type: 'move' as const, ...c.req.valid('json') };
      return c.json(await rotations.act(c.req.valid('param').id, actorOf(c), move, ifMatch), 200);
    })
    .openapi(routes.turnAction, async (c) => {
      const { id, action } = c.req.valid('param');
      const ifMatch = versionFromIfMatch(c.req.valid('header')['if-match']);
      return c.json(await rotations.act(id, actorOf(c), { type: action }, ifMatch), 200);
    })
    .openapi(routes.close, async (c) =>
      c.json(await rotations.close(c.req.valid('param').id, actorOf(c)), 200),
    )
    .openapi(routes.upcoming, async (c) =>
      c.json({ items: await rotations.upcomingTurns(c.req.valid('param').id) }, 200),
    )
    .openapi(routes.rebuild, async (c) => c.json(await rotations.rebuild(c.req.valid('param').id), 200));
}
