import type { SQSRecord } from 'aws-lambda';
import { type Parsed, parseJsonBody, sqsBatchHandler } from '#lib/batch';
import type { Logger } from '#lib/log';
import { ChangeMessage } from '#services/sync/changes';
import { UsageEvent } from '../contract.ts';
import { partKey } from '../lake/keys.ts';
import { encodeUsageParquet } from '../lake/parquet.ts';
import { eventDate, usageRow } from '../lake/rows.ts';
import type { LakeStore } from '../lake/store.ts';
import { KARAOKE_ENTITIES, karaokeUsageEvent } from './karaoke.ts';

/**
 * A queue message is a usage event (from the `usage` topic) or a karaoke log entry (from the
 * `changes` topic, through the queue's filter policy). The `usage` topic never carries `entity`.
 */
export function parseUsageRecord(record: SQSRecord): Parsed<UsageEvent> {
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
    if (!(KARAOKE_ENTITIES as readonly string[]).includes(change.value.entity)) {
      return { ok: false, reason: `entity ${change.value.entity} is no usage event` };
    }
    return karaokeUsageEvent(change.value);
  }
  return parseJsonBody(record.body, UsageEvent);
}

interface Partition {
  eventDate: string;
  eventType: string;
  messageIds: string[];
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
  return sqsBatchHandler<UsageEvent>(
    {
      parse: parseUsageRecord,
      async apply(items) {
        const partitions = new Map<string, Partition>();
        for (const { messageId, value } of items) {
          const date = eventDate(value.occurredAt);
          const name = `${date}/${value.type}`;
          let partition = partitions.get(name);
          if (!partition) {
            partition = { eventDate: date, eventType: value.type, messageIds: [], events: new Map() };
            partitions.set(name, partition);
          }
          partition.messageIds.push(messageId);
          partition.events.set(value.eventId, value);
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
            }
          }),
        );
        return failed;
      },
    },
    deps.log,
  );
}
