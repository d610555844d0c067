import { createHash, createHmac, randomUUID } from 'node:crypto';
import { z } from 'zod';
import { storable } from '#lib/text';

/**
 * What producers and consumers of usage events may know: the event shape on the SNS `usage` topic,
 * its version, and how a pitch recipient is named in it.
 *
 * Privacy rule: no e-mail address, token or password ever enters an event. Every `props` object is
 * strict (an unknown key is refused, so nothing rides along by accident), and a pitch recipient
 * appears only as {@link recipientHash}.
 */

/** The version this code writes and reads; an event of any other version is refused (DLQ). */
export const USAGE_SCHEMA_VERSION = 1;

/**
 * Events per message on the `usage` topic at most: a message body is one event or an array of up to
 * this many (well under SNS's 256 KB), so a busy BFF sends one message per hundred reads, not one each.
 */
export const MAX_EVENTS_PER_MESSAGE = 100;

const id = storable(z.string().min(1).max(200));
const uuidish = z.uuid();
const count = z.number().int().min(0);

/** Search filters as the search route validated them: scalar values, or short lists of them. */
const SearchFilters = z.record(
  storable(z.string().max(60)),
  z.union([
    storable(z.string().max(500)),
    z.number(),
    z.boolean(),
    z.array(z.union([storable(z.string().max(500)), z.number()])).max(50),
  ]),
);

/** Each type's `props`, strict. */
export const usageProps = {
  'search.performed': z.strictObject({
    query: storable(z.string().max(500)),
    filters: SearchFilters,
    resultCount: count,
    latencyMs: count,
    /** Answered from the read cache: still a search the person made. */
    cached: z.boolean(),
  }),
  'song.viewed': z.strictObject({ songId: uuidish }),
  'media.streamed': z.strictObject({ songId: uuidish, mediaId: uuidish }),
  'media.downloaded': z.strictObject({ songId: uuidish, mediaId: uuidish }),
  'playlist.changed': z.strictObject({ playlistId: uuidish, change: storable(z.string().min(1).max(60)) }),
  'share.created': z.strictObject({
    shareId: uuidish,
    permission: z.enum(['stream', 'download']),
    songId: uuidish.optional(),
    playlistId: uuidish.optional(),
  }),
  'pitch.sent': z.strictObject({ pitchId: uuidish, recipient: id, playlistId: uuidish.optional() }),
  'pitch.opened': z.strictObject({ pitchId: uuidish, recipient: id }),
  'pitch.played': z.strictObject({ pitchId: uuidish, recipient: id, songId: uuidish }),
  'pitch.downloaded': z.strictObject({ pitchId: uuidish, recipient: id, songId: uuidish }),
  'karaoke.requested': z.strictObject({
    nightId: uuidish,
    requestId: uuidish,
    singerId: uuidish,
    songId: uuidish,
  }),
  'karaoke.performed': z.strictObject({
    nightId: uuidish,
    requestId: uuidish,
    singerId: uuidish,
    songId: uuidish,
    keyChange: z.number().int().min(-6).max(6),
  }),
} as const;

export type UsageEventType = keyof typeof usageProps;
export const USAGE_EVENT_TYPES = Object.keys(usageProps) as UsageEventType[];

export const UsageActor = z.strictObject({
  kind: z.enum(['user', 'recipient', 'anonymous']),
  /** The user's id, the recipient's hash, or null for an anonymous caller. */
  id: id.nullable(),
});
export type UsageActor = z.infer<typeof UsageActor>;

export const UsageSubject = z.strictObject({
  kind: z.enum(['song', 'media', 'search', 'playlist', 'share', 'pitch', 'karaoke-night']),
  id,
});
export type UsageSubject = z.infer<typeof UsageSubject>;

const envelope = {
  eventId: z.uuid(),
  schemaVersion: z.literal(USAGE_SCHEMA_VERSION),
  occurredAt: z.iso.datetime({ offset: true }),
  actor: UsageActor,
  subject: UsageSubject,
};

const eventOf = <T extends UsageEventType>(type: T) =>
  z.strictObject({ ...envelope, type: z.literal(type), props: usageProps[type] });

/** One usage event as it travels on the `usage` topic (and is archived). */
export const UsageEvent = z.discriminatedUnion('type', [
  eventOf('search.performed'),
  eventOf('song.viewed'),
  eventOf('media.streamed'),
  eventOf('media.downloaded'),
  eventOf('playlist.changed'),
  eventOf('share.created'),
  eventOf('pitch.sent'),
  eventOf('pitch.opened'),
  eventOf('pitch.played'),
  eventOf('pitch.downloaded'),
  eventOf('karaoke.requested'),
  eventOf('karaoke.performed'),
]);
export type UsageEvent = z.infer<typeof UsageEvent>;

/** A message body on the `usage` topic: one event, or several (a producer's batch). */
export const UsageMessage = z.union([
  UsageEvent.transform((event) => [event]),
  z.array(UsageEvent).min(1).max(MAX_EVENTS_PER_MESSAGE),
]);

/** What a producer fills in; `eventId` and `schemaVersion` are added by {@link usageEvent}. */
export type UsageEventInput = {
  [T in UsageEventType]: {
    type: T;
    occurredAt: string;
    actor: UsageActor;
    subject: UsageSubject;
    props: z.infer<(typeof usageProps)[T]>;
    /** Set when the event has a natural identity (an outbox row), so a replay keeps its id. */
    eventId?: string;
  };
}[UsageEventType];

/** A complete event, with a fresh id unless the input names one. */
export function usageEvent(input: UsageEventInput, newId: () => string = randomUUID): UsageEvent {
  return { ...input, eventId: input.eventId ?? newId(), schemaVersion: USAGE_SCHEMA_VERSION } as UsageEvent;
}

/**
 * How a pitch recipient appears in events: HMAC-SHA256 of the normalised address (trimmed, lower
 * case) under a secret key from config, base64url. Keyed, so nobody without the key can test
 * whether a known address is in the lake; stable, so one recipient's opens and plays line up.
 */
export function recipientHash(key: string, email: string): string {
  return `r_${createHmac('sha256', key).update(email.trim().toLowerCase()).digest('base64url')}`;
}

/**
 * A UUID derived from a stable name (an outbox key), in the RFC 4122 layout with version 5 bits,
 * so the same database fact always becomes the same `eventId` however often it is published.
 */
export function stableEventId(name: string): string {
  const hex = createHash('sha256').update(`usage:${name}`).digest('hex');
  const variant = ((Number.parseInt(hex[16] ?? '0', 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
