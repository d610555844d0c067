import type { SQSRecord } from 'aws-lambda';
import { type Parsed, parseJsonBody, sqsBatchHandler } from '#lib/batch';
import type { Logger } from '#lib/log';
import { ChangeMessage } from '#services/sync/changes';
import { type UsageEvent, UsageMessage } from '../contract.ts';
import { partKey } from '../lake/keys.ts';
import { encodeUsageParquet } from '../lake/parquet.ts';
import { eventDate, usageRow } from '../lake/rows.ts';
import type { LakeStore } from '../lake/store.ts';
import { KARAOKE_ENTITIES, karaokeUsageEvent } from './karaoke.ts';
import { LIBRARY_ENTITIES, libraryUsageEvent } from './library.ts';
import { PITCH_ENTITIES, pitchUsageEvent } from './pitch-activity.ts';

/** Outbox entities the archiver's queue receives from the `changes` topic (its filter policy). */
export const USAGE_CHANGE_ENTITIES = [...KARAOKE_ENTITIES, ...LIBRARY_ENTITIES, ...PITCH_ENTITIES];

/**
 * A queue message is one or more usage events (from the `usage` topic) or a karaoke log entry (from
 * the `changes` topic, through the queue's filter policy). A message with one bad event is refused
 * whole (DLQ): producers validate what they send, so it is a bug to look at, not data to guess at.
 */
export function parseUsageRecord(record: SQSRecord): Parsed<UsageEvent[]> {
  const entity = record.messageAttributes?.entity?.stringValue;
  let json: { entity?: unknown };
  try {
    json = JSON.parse(record.body) as { entity?: unknown };
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
  if (entity !== undefined || (typeof json === 'object' && json !== null && 'outboxId' in json)) {
    const change = parseJsonBody(record.body, ChangeMessage);
    if (!change.ok) return change;
    const { entity } = change.value;
    if ((KARAOKE_ENTITIES as readonly string[]).includes(entity)) {
      const event = karaokeUsageEvent(change.value);
      return event.ok ? { ok: true, value: [event.value] } : event;
    }
    if (
      (LIBRARY_ENTITIES as readonly string[]).includes(entity) ||
      (PITCH_ENTITIES as readonly string[]).includes(entity)
    ) {
      const event = (entity === 'pitch_activity' ? pitchUsageEvent : libraryUsageEvent)(change.value);
      // A removed share is no usage event: acknowledged, nothing written.
      return event.ok ? { ok: true, value: event.value ? [event.value] : [] } : event;
    }
    return { ok: false, reason: `entity ${entity} is no usage event` };
  }
  return parseJsonBody(record.body, UsageMessage);
}

interface Partition {
  eventDate: string;
  eventType: string;
  messageIds: Set<string>;
  events: Map<string, UsageEvent>;
}

/**
 * Archives usage events as Parquet in the lake: one file per (day, type) of each batch, named by
 * the message ids it holds, so a redelivered batch overwrites its own file. An event lands in the
 * day it happened, however late it arrives. A duplicate within a batch (same `eventId`) is written
 * once; duplicates across batches are the readers' to fold (the named queries count distinct
 * `event_id`, and compaction keeps one row per id). A file that cannot be written reports just its
 * own messages, so SQS delivers them again and nothing is lost.
 */
export function createUsageArchiver(deps: { lake: LakeStore; log: Logger }) {
  return sqsBatchHandler<UsageEvent[]>(
    {
      parse: parseUsageRecord,
      async apply(items) {
        const partitions = new Map<string, Partition>();
        for (const { messageId, value: events } of items) {
          for (const event of events) {
            const date = eventDate(event.occurredAt);
            const name = `${date}/${event.type}`;
            let partition = partitions.get(name);
            if (!partition) {
              partition = {
                eventDate: date,
                eventType: event.type,
                messageIds: new Set(),
                events: new Map(),
              };
              partitions.set(name, partition);
            }
            partition.messageIds.add(messageId);
            partition.events.set(event.eventId, event);
          }
        }
        const failed: string[] = [];
        await Promise.all(
          [...partitions.values()].map(async (partition) => {
            const key = partKey(partition.eventDate, partition.eventType, partition.messageIds);
            try {
              await deps.lake.put(key, encodeUsageParquet([...partition.events.values()].map(usageRow)));
            } catch (error) {
              deps.log.error('usage file not written; its events will be delivered again', error as Error);
              failed.push(...partition.messageIds);
              // The message's events of other partitions may be written again with it: the
              // readers' distinct counts and compaction fold those copies.
            }
          }),
        );
        return failed;
      },
    },
    deps.log,
  );
}
