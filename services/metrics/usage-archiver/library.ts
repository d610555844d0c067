import { z } from 'zod';
import type { Parsed } from '#lib/batch';
import type { ChangeMessage } from '#services/sync/changes';
import { stableEventId, type UsageEvent, usageEvent } from '../contract.ts';

/** Outbox entities of the playlists service that are usage events. */
export const LIBRARY_ENTITIES = ['playlist', 'playlist_item', 'share'] as const;

const PlaylistRow = z.object({ id: z.uuid(), owner_id: z.uuid() });
const ItemRow = z.object({ id: z.uuid(), playlist_id: z.uuid(), song_id: z.uuid(), added_by: z.uuid() });
const ShareRow = z.object({
  id: z.uuid(),
  from_user_id: z.uuid(),
  permission: z.enum(['stream', 'download']),
  song_id: z.uuid().nullable(),
  playlist_id: z.uuid().nullable(),
  created_at: z.string(),
});

/**
 * The usage event a playlists-service outbox row stands for: `playlist.changed` for a playlist or
 * an item written or removed, `share.created` for a new share (shares are never updated). The id
 * derives from the row's entity, op, key and version, so a republished row is the same event. A
 * share's message is someone's free text and is never copied.
 */
export function libraryUsageEvent(change: ChangeMessage): Parsed<UsageEvent | null> {
  const eventId = stableEventId(`${change.entity}:${change.op}:${change.key}:${change.version}`);
  const removed = change.op === 'delete';
  if (change.entity === 'share') {
    if (removed) return { ok: true, value: null };
    const row = ShareRow.safeParse(change.payload);
    if (!row.success) return { ok: false, reason: 'share payload is not a share row' };
    const share = row.data;
    return {
      ok: true,
      value: usageEvent({
        eventId,
        type: 'share.created',
        occurredAt: new Date(share.created_at).toISOString(),
        actor: { kind: 'user', id: share.from_user_id },
        subject: { kind: 'share', id: share.id },
        props: {
          shareId: share.id,
          permission: share.permission,
          ...(share.song_id ? { songId: share.song_id } : {}),
          ...(share.playlist_id ? { playlistId: share.playlist_id } : {}),
        },
      }),
    };
  }
  const common = {
    eventId,
    type: 'playlist.changed' as const,
    occurredAt: new Date(change.occurredAt).toISOString(),
  };
  if (change.entity === 'playlist') {
    const row = PlaylistRow.safeParse(change.payload);
    if (!row.success) return { ok: false, reason: 'playlist payload is not a playlist row' };
    return {
      ok: true,
      value: usageEvent({
        ...common,
        actor: { kind: 'user', id: row.data.owner_id },
        subject: { kind: 'playlist', id: row.data.id },
        props: { playlistId: row.data.id, change: removed ? 'playlist-deleted' : 'playlist-saved' },
      }),
    };
  }
  const row = ItemRow.safeParse(change.payload);
  if (!row.success) return { ok: false, reason: `${change.entity} payload is not a playlist item row` };
  return {
    ok: true,
    value: usageEvent({
      ...common,
      actor: { kind: 'user', id: row.data.added_by },
      subject: { kind: 'playlist', id: row.data.playlist_id },
      props: { playlistId: row.data.playlist_id, change: removed ? 'item-removed' : 'item-saved' },
    }),
  };
}
