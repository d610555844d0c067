import { z } from 'zod';
import type { Parsed } from '#lib/batch';
import type { ChangeMessage } from '#services/sync/changes';
import { stableEventId, type UsageEvent, usageEvent } from '../contract.ts';

/** Outbox entities of the rotations service that are usage events. */
export const KARAOKE_ENTITIES = ['song-requested', 'performance'] as const;

const LogRow = z.object({
  event_id: z.uuid(),
  seq: z.number().int().positive(),
  type: z.enum(['SongRequested', 'PerformanceCompleted']),
  data: z.object({
    requestId: z.uuid(),
    singerId: z.uuid(),
    songId: z.uuid(),
    keyChange: z.number().int().min(-6).max(6),
    at: z.iso.datetime({ offset: true }),
  }),
});

/**
 * The usage event a karaoke log entry (a rotations outbox row) stands for. Its id derives from the
 * outbox key (`<night>:<seq>`), so the sweeper's republication of the same row is the same event.
 * Singers are users (or walk-in guests) by id; the title and artist are not copied: the song id
 * joins the catalog.
 */
export function karaokeUsageEvent(change: ChangeMessage): Parsed<UsageEvent> {
  const row = LogRow.safeParse(change.payload);
  if (!row.success) return { ok: false, reason: `not a karaoke log entry (entity ${change.entity})` };
  const { event_id: nightId, data } = row.data;
  const common = {
    eventId: stableEventId(`rotation:${change.key}`),
    occurredAt: data.at,
    actor: { kind: 'user' as const, id: data.singerId },
    subject: { kind: 'karaoke-night' as const, id: nightId },
  };
  const props = { nightId, requestId: data.requestId, singerId: data.singerId, songId: data.songId };
  return {
    ok: true,
    value:
      row.data.type === 'SongRequested'
        ? usageEvent({ ...common, type: 'karaoke.requested', props })
        : usageEvent({
            ...common,
            type: 'karaoke.performed',
            props: { ...props, keyChange: data.keyChange },
          }),
  };
}
