import type { UsageEvent } from '../contract.ts';

/**
 * One archived event: the envelope and the props that dashboards query, as plain columns (so the
 * named queries need no JSON functions, which Athena and DuckDB spell differently), plus every
 * prop as JSON in `props`. `event_date` and `event_type` are not columns: they are the partition
 * (the object key), as the Glue table declares them.
 */
export interface UsageRow {
  event_id: string;
  schema_version: number;
  occurred_at: Date;
  actor_kind: string;
  actor_id: string | null;
  subject_kind: string;
  subject_id: string;
  song_id: string | null;
  media_id: string | null;
  playlist_id: string | null;
  pitch_id: string | null;
  recipient: string | null;
  night_id: string | null;
  singer_id: string | null;
  query: string | null;
  result_count: number | null;
  latency_ms: number | null;
  cached: boolean | null;
  props: string;
}

/** The columns in file order with their Parquet types; infra/terraform's Glue table lists the same. */
export const USAGE_COLUMNS = [
  ['event_id', 'STRING'],
  ['schema_version', 'INT32'],
  ['occurred_at', 'TIMESTAMP'],
  ['actor_kind', 'STRING'],
  ['actor_id', 'STRING'],
  ['subject_kind', 'STRING'],
  ['subject_id', 'STRING'],
  ['song_id', 'STRING'],
  ['media_id', 'STRING'],
  ['playlist_id', 'STRING'],
  ['pitch_id', 'STRING'],
  ['recipient', 'STRING'],
  ['night_id', 'STRING'],
  ['singer_id', 'STRING'],
  ['query', 'STRING'],
  ['result_count', 'INT32'],
  ['latency_ms', 'INT32'],
  ['cached', 'BOOLEAN'],
  ['props', 'STRING'],
] as const satisfies ReadonlyArray<readonly [keyof UsageRow, 'STRING' | 'INT32' | 'TIMESTAMP' | 'BOOLEAN']>;

const text = (props: Record<string, unknown>, key: string) =>
  typeof props[key] === 'string' ? (props[key] as string) : null;
const int = (props: Record<string, unknown>, key: string) =>
  typeof props[key] === 'number' ? (props[key] as number) : null;

export function usageRow(event: UsageEvent): UsageRow {
  const props = event.props as Record<string, unknown>;
  return {
    event_id: event.eventId,
    schema_version: event.schemaVersion,
    occurred_at: new Date(event.occurredAt),
    actor_kind: event.actor.kind,
    actor_id: event.actor.id,
    subject_kind: event.subject.kind,
    subject_id: event.subject.id,
    song_id: text(props, 'songId'),
    media_id: text(props, 'mediaId'),
    playlist_id: text(props, 'playlistId'),
    pitch_id: text(props, 'pitchId'),
    recipient: text(props, 'recipient'),
    night_id: text(props, 'nightId'),
    singer_id: text(props, 'singerId'),
    query: text(props, 'query'),
    result_count: int(props, 'resultCount'),
    latency_ms: int(props, 'latencyMs'),
    cached: typeof props.cached === 'boolean' ? props.cached : null,
    props: JSON.stringify(props),
  };
}

/** The UTC day an event happened: its partition, however late it arrives. */
export const eventDate = (occurredAt: string | Date) => new Date(occurredAt).toISOString().slice(0, 10);
