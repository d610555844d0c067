import { createRoute, z } from '@hono/zod-openapi';
import { jsonBody, jsonResponse } from '#lib/openapi';
import { storable } from '#lib/text';
import { StageName } from '#services/singers/contract';

/**
 * What callers may know of the rotations service: its internal routes, the shapes that cross
 * them, and the events of a night that leave through the outbox.
 */
export const basePath = '/internal/rotations';

export const Fairness = z.enum(['fair', 'newcomers-first', 'bottom']).openapi({
  description:
    "Where a singer's first request of the night puts them in the cycle: `fair` (default) after everyone " +
    'already waiting this round; `newcomers-first` after the next-up singer and every waiting singer who has ' +
    'not sung yet; `bottom` at the end of the stored order. No join ever displaces the next-up singer.',
});

export const MAX_QUEUED_LIMIT = 20;

export const OpenEvent = z
  .object({
    name: storable(z.string().trim().min(1, 'must not be empty').max(80, 'at most 80 characters')),
    fairness: Fairness.default('fair'),
    maxQueuedPerSinger: z
      .number()
      .int('must be a whole number')
      .min(1, 'at least 1')
      .max(MAX_QUEUED_LIMIT, `at most ${MAX_QUEUED_LIMIT}`)
      .nullable()
      .default(null)
      .openapi({ description: 'Pending requests one singer may have at once; null: no limit' }),
    publicDisplay: z
      .boolean()
      .default(false)
      .openapi({ description: 'Lets anyone read the rotation without signing in (a TV at the venue)' }),
  })
  .strict()
  .openapi('OpenEvent');
export type OpenEvent = z.infer<typeof OpenEvent>;

export const KaraokeEvent = z
  .object({
    id: z.uuid(),
    name: z.string(),
    kjId: z.uuid(),
    fairness: Fairness,
    maxQueuedPerSinger: z.number().int().nullable(),
    publicDisplay: z.boolean(),
    closed: z.boolean(),
    /** The rotation's version: the sequence number of the night's latest logged change. */
    version: z.number().int(),
  })
  .openapi('KaraokeEvent');
export type KaraokeEvent = z.infer<typeof KaraokeEvent>;

export const KeyChange = z
  .number()
  .int('must be a whole number of semitones')
  .min(-6, 'at least -6 semitones')
  .max(6, 'at most +6 semitones');

/** What the BFF sends the rotations service for a request: the song snapshot comes from the catalog. */
export const SongRequest = z
  .object({
    songId: z.uuid(),
    title: storable(z.string().min(1).max(500)),
    artist: storable(z.string().min(1).max(500)),
    durationMs: z.number().int().positive().max(86_400_000).nullable(),
    keyChange: KeyChange.default(0),
    /** Only the KJ: a walk-in guest without an account (the same name again is the same guest). */
    guestName: StageName.optional(),
  })
  .strict()
  .openapi('SongRequest');
export type SongRequest = z.infer<typeof SongRequest>;

export const RequestReceipt = z
  .object({
    requestId: z.uuid(),
    eventId: z.uuid(),
    singerId: z.uuid(),
    songId: z.uuid(),
    keyChange: z.number().int(),
    /** The rotation's version after the request. */
    version: z.number().int(),
  })
  .openapi('RequestReceipt');
export type RequestReceipt = z.infer<typeof RequestReceipt>;

export const Turn = z
  .object({
    requestId: z.uuid(),
    singerId: z.uuid(),
    stageName: z.string(),
    songId: z.uuid(),
    title: z.string(),
    artist: z.string(),
    keyChange: z.number().int(),
    estimatedStartAt: z.string().openapi({ description: 'When this turn should start (ISO-8601, UTC)' }),
  })
  .openapi('Turn');

export const Rotation = z
  .object({
    eventId: z.uuid(),
    version: z.number().int(),
    nowPerforming: Turn.nullable(),
    upNext: z.array(Turn),
    singers: z.array(
      z.object({
        singerId: z.uuid(),
        stageName: z.string(),
        guest: z.boolean(),
        pendingRequests: z.number().int(),
        performed: z.number().int(),
      }),
    ),
  })
  .openapi('Rotation');
export type Rotation = z.infer<typeof Rotation>;

export const MoveSinger = z
  .object({
    singerId: z.uuid(),
    position: z
      .number()
      .int('must be a whole number')
      .min(0, 'must be 0 or more')
      .max(Number.MAX_SAFE_INTEGER, 'must be a whole number'),
  })
  .strict()
  .openapi('MoveSinger');
export type MoveSinger = z.infer<typeof MoveSinger>;

/** A waiting request's new key: its singer or the KJ may change it until the song is on stage. */
export const ChangeKey = z.object({ keyChange: KeyChange }).strict().openapi('ChangeKey');
export type ChangeKey = z.infer<typeof ChangeKey>;

/** What a KJ does to the rotation: start the next turn, skip it, or move a singer. */
export type RotationAction = { type: 'advance' } | { type: 'skip' } | ({ type: 'move' } & MoveSinger);

export const UpcomingTurn = z
  .object({
    eventId: z.uuid(),
    eventName: z.string(),
    /** 0: performing now; 1: next up; … */
    position: z.number().int(),
    turn: Turn,
  })
  .openapi('UpcomingTurn');
export type UpcomingTurn = z.infer<typeof UpcomingTurn>;

/** A performance as the rotations service logs it (`PerformanceCompleted`), inside its outbox row. */
export const PerformanceCompletedRow = z.object({
  event_id: z.uuid(),
  seq: z.number().int().positive(),
  type: z.literal('PerformanceCompleted'),
  data: z.object({
    requestId: z.uuid(),
    singerId: z.uuid(),
    eventId: z.uuid(),
    kjId: z.uuid(),
    songId: z.uuid(),
    title: storable(z.string().min(1).max(500)),
    artist: storable(z.string().min(1).max(500)),
    keyChange: z.number().int().min(-6).max(6),
    startedAt: z.iso.datetime({ offset: true }),
    at: z.iso.datetime({ offset: true }),
  }),
});
export type PerformanceCompletedRow = z.infer<typeof PerformanceCompletedRow>;

const EventId = z.object({ id: z.uuid({ error: 'must be an event id (uuid)' }) });
const RequestKey = EventId.extend({ requestId: z.uuid({ error: 'must be a request id (uuid)' }) });
const SingerId = z.object({ id: z.uuid({ error: 'must be a singer id (uuid)' }) });
const IfMatch = z.object({ 'if-match': z.string().max(100).optional() });
/** The BFF adds the singer's stage name from their profile. */
export const InternalSongRequest = SongRequest.extend({ stageName: StageName });
export type InternalSongRequest = z.infer<typeof InternalSongRequest>;

const KJ_ACTIONS = ['advance', 'skip'] as const;

export const routes = {
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
  changeKey: createRoute({
    method: 'patch',
    path: '/events/{id}/requests/{requestId}',
    request: { params: RequestKey, headers: IfMatch, body: jsonBody(ChangeKey) },
    responses: { 200: jsonResponse(Rotation, 'The rotation after the key change') },
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
