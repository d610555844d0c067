import { createHash } from 'node:crypto';

export const LAKE_PREFIX = 'usage/';

/** The folder of one day and type: the Glue table's projected partition. */
export const partitionPrefix = (eventDate: string, eventType: string) =>
  `${LAKE_PREFIX}event_date=${eventDate}/event_type=${eventType}/`;

/** A short, stable digest of a set of names: the same set, in any order, gives the same digest. */
export function digestOf(names: Iterable<string>): string {
  return createHash('sha256')
    .update([...names].sort().join('\n'))
    .digest('hex')
    .slice(0, 32);
}

/**
 * The object an archiver batch writes for one partition: named by the SQS message ids of its
 * records, so a redelivered batch overwrites its own file instead of adding a copy.
 */
export const partKey = (eventDate: string, eventType: string, messageIds: Iterable<string>) =>
  `${partitionPrefix(eventDate, eventType)}part-${digestOf(messageIds)}.parquet`;

/** A compacted file, named by the objects it replaced, so a rerun over the same inputs rewrites it. */
export const compactedKey = (eventDate: string, eventType: string, inputs: Iterable<string>, index: number) =>
  `${partitionPrefix(eventDate, eventType)}compacted-${digestOf(inputs)}-${index}.parquet`;

/** The date and type of an object under the lake prefix, or null for anything else. */
export function partitionOf(key: string): { eventDate: string; eventType: string } | null {
  const match = /^usage\/event_date=(\d{4}-\d{2}-\d{2})\/event_type=([a-z.]+)\/[^/]+\.parquet$/.exec(key);
  return match ? { eventDate: match[1] as string, eventType: match[2] as string } : null;
}
