import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import type { Logger } from '#lib/log';
import { parseChangeBatch } from '#services/sync/changes';
import { PerformanceCompletedRow } from '#services/rotations/contract';
import type { PerformanceRecord } from './repo.ts';
import type { PerformancesService } from './service.ts';

/**
 * Records performances from the `performances` queue (PerformanceCompleted log entries of the
 * rotations service, through the outbox and the changes topic). Each performance is keyed by its
 * request id, so a duplicate writes nothing and order does not matter. A message that is not a
 * performance is reported in `batchItemFailures` and ends in the DLQ; a database failure reports
 * just the messages it hit, so SQS retries them and the rest of the batch is kept.
 */
export function createPerformanceRecorder(deps: { performances: PerformancesService; log: Logger }) {
  return async (event: SQSEvent): Promise<SQSBatchResponse> => {
    const { messages, malformed } = parseChangeBatch(event.Records, deps.log);
    const failed = [...malformed];
    for (const { messageId, message } of messages) {
      const row = PerformanceCompletedRow.safeParse(message.payload);
      if (message.entity !== 'performance' || !row.success) {
        deps.log.error('not a performance message', {
          'message.id': messageId,
          'event.entity': message.entity,
        });
        failed.push(messageId);
        continue;
      }
      const { data } = row.data;
      const performance: PerformanceRecord = {
        requestId: data.requestId,
        singerId: data.singerId,
        eventId: data.eventId,
        kjId: data.kjId,
        songId: data.songId,
        title: data.title,
        artist: data.artist,
        keyChange: data.keyChange,
        startedAt: data.startedAt,
        endedAt: data.at,
      };
      try {
        await deps.performances.record(performance);
      } catch (error) {
        deps.log.error('performance not recorded; it will be retried', error as Error);
        failed.push(messageId);
      }
    }
    return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
  };
}
