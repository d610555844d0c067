import { sqsBatchHandler } from '#lib/batch';
import type { Logger } from '#lib/log';
import { PerformanceCompletedRow } from '#services/rotations/contract';
import { parseChangeMessage } from '#services/sync/changes';
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
  return sqsBatchHandler<PerformanceRecord>(
    {
      parse(record) {
        const parsed = parseChangeMessage(record.body);
        if (!parsed.ok) return parsed;
        const { entity, payload } = parsed.value;
        const row = PerformanceCompletedRow.safeParse(payload);
        if (entity !== 'performance' || !row.success) {
          return { ok: false, reason: `not a performance message (entity ${entity})` };
        }
        const { data } = row.data;
        return {
          ok: true,
          value: {
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
          },
        };
      },
      async apply(items) {
        const failed: string[] = [];
        for (const { messageId, value } of items) {
          try {
            await deps.performances.record(value);
          } catch (error) {
            deps.log.error('performance not recorded; it will be retried', error as Error);
            failed.push(messageId);
          }
        }
        return failed;
      },
    },
    deps.log,
  );
}
