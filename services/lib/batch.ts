import type { SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import type { ZodError, ZodType } from 'zod';
import type { Logger } from './log.ts';

/** What a record asks for, or why it cannot be done. */
export type Parsed<T> = { ok: true; value: T } | { ok: false; reason: string };

/** A parsed record, with the id SQS knows it by. */
export interface BatchItem<T> {
  messageId: string;
  value: T;
}

/**
 * A queue consumer, in two steps, so that a batch's work can be done in one go (one bulk request,
 * one round trip) and one bad record still does not fail its neighbours.
 */
export interface SqsBatchConsumer<T> {
  /**
   * What a record asks for; `null` when it asks for nothing (it is acknowledged). A record that
   * cannot be parsed is logged and reported, so SQS moves it to the dead-letter queue after the
   * queue's maxReceiveCount.
   */
  parse(record: SQSRecord): Parsed<T> | null;
  /**
   * Does the work of the batch's parsed records and resolves with the message ids of those it
   * could not do (logging why). Rejects when it could do nothing, e.g. its dependency is down:
   * then every parsed record is reported and SQS delivers them all again.
   */
  apply(items: ReadonlyArray<BatchItem<T>>): Promise<Iterable<string>>;
}

/**
 * The one way an SQS consumer answers Lambda: `batchItemFailures` lists the records to deliver
 * again (malformed ones, and those `apply` could not do), in the batch's order, and everything
 * else is deleted from the queue. It never throws: a thrown handler would have SQS redeliver the
 * whole batch, good records included.
 */
export function sqsBatchHandler<T>(
  consumer: SqsBatchConsumer<T>,
  log: Logger,
): (event: SQSEvent) => Promise<SQSBatchResponse> {
  return async (event) => {
    const failed = new Set<string>();
    const items: Array<BatchItem<T>> = [];
    for (const record of event.Records) {
      const parsed = consumer.parse(record);
      if (parsed === null) continue;
      if (parsed.ok) items.push({ messageId: record.messageId, value: parsed.value });
      else {
        log.error('malformed queue message', {
          'event.reason': parsed.reason,
          'message.id': record.messageId,
        });
        failed.add(record.messageId);
      }
    }
    if (items.length > 0) {
      try {
        for (const messageId of await consumer.apply(items)) failed.add(messageId);
      } catch (error) {
        log.error('batch not applied; its records will be delivered again', error as Error);
        for (const item of items) failed.add(item.messageId);
      }
    }
    return {
      batchItemFailures: event.Records.filter((record) => failed.has(record.messageId)).map((record) => ({
        itemIdentifier: record.messageId,
      })),
    };
  };
}

/** The first few problems of a failed parse, one line, for a log field. */
export function describeIssues(error: ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(message)'}: ${issue.message}`)
    .join('; ');
}

/** A JSON message body checked against its schema; anything malformed is reported, never thrown. */
export function parseJsonBody<T>(body: string, schema: ZodType<T>): Parsed<T> {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { ok: false, reason: 'body is not JSON' };
  }
  const parsed = schema.safeParse(json);
  return parsed.success
    ? { ok: true, value: parsed.data }
    : { ok: false, reason: describeIssues(parsed.error) };
}
