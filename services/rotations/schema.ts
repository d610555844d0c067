import { z } from '@hono/zod-openapi';
import { StageName } from '#services/singers/schema';

const CONTROL = /\p{Cc}/u;

export const Fairness = z.enum(['fair', 'newcomers-first', 'bottom']).openapi({
  description:
    "Where a singer's first request of the night puts them in the cycle: `fair` (default) after everyone " +
    'already waiting this round; `newcomers-first` after the next-up singer and every waiting singer who has ' +
    'not sung yet; `bottom` at the end of the stored order. No join ever displaces the next-up singer.',
});

export const MAX_QUEUED_LIMIT = 20;

export const OpenEvent = z
  .object({
    name: z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .max(80, 'at most 80 characters')
      .refine((value) => !CONTROL.test(value), 'must not contain control characters'),
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
    title: z.string().min(1).max(500),
    artist: z.string().min(1).max(500),
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
    position: z.number().int('must be a whole number').min(0, 'must be 0 or more'),
  })
  .strict()
  .openapi('MoveSinger');
export type MoveSinger = z.infer<typeof MoveSinger>;

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
