import * as z from 'zod';
import { describeIssues, type Parsed, parseJsonBody } from '#lib/batch';
import type { SongChange } from '#services/catalog/search/port';
import { SongRowJson, songFromRowJson } from '#services/catalog/song-row';

/**
 * A change as published on the `changes` topic, one per outbox row. `version` orders changes of
 * one key; `outboxId` identifies the publication (a row may be published more than once).
 */
export const ChangeMessage = z.object({
  outboxId: z.number().int().positive(),
  entity: z.string().min(1).max(60),
  op: z.enum(['upsert', 'delete']),
  key: z.string().min(1).max(200),
  version: z.number().int().positive(),
  occurredAt: z.string(),
  payload: z.record(z.string(), z.unknown()),
});
export type ChangeMessage = z.infer<typeof ChangeMessage>;

/** Parses a queue message body into a change; anything malformed is reported, never thrown. */
export const parseChangeMessage = (body: string): Parsed<ChangeMessage> => parseJsonBody(body, ChangeMessage);

/** The search index change a song message asks for. */
export function toSongChange(message: ChangeMessage): Parsed<SongChange> {
  if (message.op === 'delete')
    return { ok: true, value: { op: 'delete', id: message.key, version: message.version } };
  const row = SongRowJson.safeParse(message.payload);
  if (!row.success) return { ok: false, reason: `song payload: ${describeIssues(row.error)}` };
  const song = songFromRowJson(row.data);
  if (song.id !== message.key || song.version !== message.version) {
    return { ok: false, reason: 'song payload does not match the message key and version' };
  }
  return { ok: true, value: { op: 'upsert', song } };
}
