import { z } from 'zod';
import type { Parsed } from '#lib/batch';
import type { ChangeMessage } from '#services/sync/changes';
import { stableEventId, type UsageEvent, usageEvent } from '../contract.ts';

/** Outbox entities of the playlists service's pitches that are usage events. */
export const PITCH_ENTITIES = ['pitch_activity'] as const;

const ActivityRow = z.object({
  id: z.uuid(),
  pitch_id: z.uuid(),
  /** The recipient's keyed hash (`recipientHash`), written by the playlists service; null on rows older than it. */
  recipient_key: z.string().min(1).max(200).nullable().optional(),
  kind: z.enum(['sent', 'open', 'play', 'download']),
  song_id: z.uuid().nullable(),
  occurred_at: z.string(),
});

const TYPES = {
  sent: 'pitch.sent',
  open: 'pitch.opened',
  play: 'pitch.played',
  download: 'pitch.downloaded',
} as const;

/**
 * The usage event a recipient's activity row stands for: `pitch.sent` (one per recipient when the
 * pitch is made), `pitch.opened`, `pitch.played` or `pitch.downloaded`, the recipient named by their keyed hash only (the row holds no address,
 * token or password). Activity rows are only ever inserted, and the event id derives from the
 * row's key, so a republished row is the same event. A row without a recipient hash (written
 * before the hash existed) is no event.
 */
export function pitchUsageEvent(change: ChangeMessage): Parsed<UsageEvent | null> {
  if (change.op === 'delete') return { ok: true, value: null };
  const parsed = ActivityRow.safeParse(change.payload);
  if (!parsed.success) return { ok: false, reason: 'pitch_activity payload is not an activity row' };
  const row = parsed.data;
  if (!row.recipient_key) return { ok: true, value: null };
  const common = {
    eventId: stableEventId(`${change.entity}:${change.key}`),
    occurredAt: new Date(row.occurred_at).toISOString(),
    actor: { kind: 'recipient' as const, id: row.recipient_key },
    subject: { kind: 'pitch' as const, id: row.pitch_id },
  };
  if (row.kind === 'sent' || row.kind === 'open') {
    return {
      ok: true,
      value: usageEvent({
        ...common,
        type: TYPES[row.kind],
        props: { pitchId: row.pitch_id, recipient: row.recipient_key },
      }),
    };
  }
  if (!row.song_id) return { ok: false, reason: `pitch_activity ${row.kind} without a song` };
  return {
    ok: true,
    value: usageEvent({
      ...common,
      type: TYPES[row.kind],
      props: { pitchId: row.pitch_id, recipient: row.recipient_key, songId: row.song_id },
    }),
  };
}
