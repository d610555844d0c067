import { z } from 'zod';
import type { Song } from '#services/catalog/contract';
import type { SongChange } from '#services/catalog/search/port';

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

const nullableText = z.string().nullable().optional();
const nullableInt = z.number().int().nullable().optional();

/** A `songs` row as the outbox trigger serialises it (`to_jsonb`, snake_case). */
const SongRow = z.object({
  id: z.uuid(),
  title: z.string(),
  artist: z.string(),
  album: nullableText,
  duration_ms: nullableInt,
  year: nullableInt,
  genre: nullableText,
  bpm: nullableInt,
  musical_key: nullableText,
  explicit: z.boolean(),
  language: nullableText,
  isrc: nullableText,
  tags: z.array(z.string()),
  first_week: nullableText,
  peak: nullableInt,
  weeks: nullableInt,
  version: z.number().int().positive(),
  created_at: z.string(),
  updated_at: z.string(),
});

export type ParsedChange = { ok: true; message: ChangeMessage } | { ok: false; reason: string };

/** Parses a queue message body; anything malformed is reported, never thrown. */
export function parseChangeMessage(body: string): ParsedChange {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
  const parsed = ChangeMessage.safeParse(json);
  if (!parsed.success) return { ok: false, reason: describeIssues(parsed.error) };
  return { ok: true, message: parsed.data };
}

/** The search index change a song message asks for. */
export function toSongChange(
  message: ChangeMessage,
): { ok: true; change: SongChange } | { ok: false; reason: string } {
  if (message.op === 'delete')
    return { ok: true, change: { op: 'delete', id: message.key, version: message.version } };
  const row = SongRow.safeParse(message.payload);
  if (!row.success) return { ok: false, reason: `song payload: ${describeIssues(row.error)}` };
  if (row.data.id !== message.key || row.data.version !== message.version) {
    return { ok: false, reason: 'song payload does not match the message key and version' };
  }
  const r = row.data;
  const song: Song = {
    id: r.id,
    title: r.title,
    artist: r.artist,
    album: r.album ?? null,
    durationMs: r.duration_ms ?? null,
    year: r.year ?? null,
    genre: r.genre ?? null,
    bpm: r.bpm ?? null,
    musicalKey: r.musical_key ?? null,
    explicit: r.explicit,
    language: r.language ?? null,
    isrc: r.isrc ?? null,
    tags: r.tags,
    firstWeek: r.first_week ?? null,
    peak: r.peak ?? null,
    weeks: r.weeks ?? null,
    version: r.version,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
  return { ok: true, change: { op: 'upsert', song } };
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(message)'}: ${issue.message}`)
    .join('; ');
}

/**
 * Parses every record of an SQS batch: the well-formed change messages, and the ids of the records
 * that are not (logged), which the consumer reports in `batchItemFailures`.
 */
export function parseChangeBatch(
  records: ReadonlyArray<{ messageId: string; body: string }>,
  log: { error(message: string, attributes: Record<string, unknown>): void },
): { messages: Array<{ messageId: string; message: ChangeMessage }>; malformed: string[] } {
  const messages: Array<{ messageId: string; message: ChangeMessage }> = [];
  const malformed: string[] = [];
  for (const record of records) {
    const parsed = parseChangeMessage(record.body);
    if (parsed.ok) messages.push({ messageId: record.messageId, message: parsed.message });
    else {
      log.error('malformed change message', {
        'event.reason': parsed.reason,
        'message.id': record.messageId,
      });
      malformed.push(record.messageId);
    }
  }
  return { messages, malformed };
}
