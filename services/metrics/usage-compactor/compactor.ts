import type { Logger } from '#lib/log';
import { compactedKey, LAKE_PREFIX, partitionOf } from '../lake/keys.ts';
import { decodeUsageParquet, encodeUsageParquet } from '../lake/parquet.ts';
import type { UsageRow } from '../lake/rows.ts';
import type { LakeStore } from '../lake/store.ts';

export interface CompactionReport {
  eventDate: string;
  partitions: number;
  inputFiles: number;
  inputBytes: number;
  rows: number;
  outputFiles: number;
  outputBytes: number;
}

/**
 * Merges one day's files into few large ones, partition by partition (day and type).
 *
 * - **No row lost, none doubled.** A partition's files are listed once; every row they hold is read
 *   and written again, one row per `event_id` (a duplicate left by a republished event or a batch
 *   redelivered in another grouping goes here), and only once every new file is written are the
 *   listed files deleted. A file the archiver adds meanwhile is not in the list: it stays, for the
 *   next run.
 * - **Interrupted anywhere, a rerun repairs it.** Stopped before its deletes, the new files and the
 *   old ones hold the same rows for a while (the named queries count distinct ids, so no figure
 *   moves); the rerun reads both, keeps one row per id, and deletes both.
 * - **Idempotent.** New files are named by the set of files they replace, so a rerun over the same
 *   files rewrites the same names; a partition with no archiver file since the last run is left alone.
 */
export function createUsageCompactor(deps: { lake: LakeStore; log: Logger; maxRowsPerFile: number }) {
  async function compactPartition(eventDate: string, eventType: string, report: CompactionReport) {
    const prefix = `${LAKE_PREFIX}event_date=${eventDate}/event_type=${eventType}/`;
    const inputs = (await deps.lake.list(prefix)).filter((object) => partitionOf(object.key) !== null);
    // Nothing new since the last run (only compacted files): nothing to do.
    if (inputs.length <= 1 || !inputs.some((input) => input.key.includes('/part-'))) return;
    const byId = new Map<string, UsageRow>();
    for (const input of inputs) {
      for (const row of await decodeUsageParquet(await deps.lake.get(input.key))) {
        if (!byId.has(row.event_id)) byId.set(row.event_id, row);
      }
    }
    const rows = [...byId.values()].sort(
      (a, b) => a.occurred_at.getTime() - b.occurred_at.getTime() || (a.event_id < b.event_id ? -1 : 1),
    );
    const inputKeys = inputs.map((input) => input.key);
    const outputs: string[] = [];
    for (let start = 0, index = 0; start < rows.length; start += deps.maxRowsPerFile, index++) {
      const key = compactedKey(eventDate, eventType, inputKeys, index);
      const body = encodeUsageParquet(rows.slice(start, start + deps.maxRowsPerFile));
      await deps.lake.put(key, body);
      outputs.push(key);
      report.outputBytes += body.length;
    }
    await deps.lake.remove(inputKeys.filter((key) => !outputs.includes(key)));
    report.partitions += 1;
    report.inputFiles += inputs.length;
    report.inputBytes += inputs.reduce((sum, input) => sum + input.size, 0);
    report.rows += rows.length;
    report.outputFiles += outputs.length;
  }

  return {
    /** Compacts every partition of one day (`YYYY-MM-DD`). */
    async compactDay(eventDate: string): Promise<CompactionReport> {
      const report: CompactionReport = {
        eventDate,
        partitions: 0,
        inputFiles: 0,
        inputBytes: 0,
        rows: 0,
        outputFiles: 0,
        outputBytes: 0,
      };
      const types = new Set<string>();
      for (const object of await deps.lake.list(`${LAKE_PREFIX}event_date=${eventDate}/`)) {
        const partition = partitionOf(object.key);
        if (partition) types.add(partition.eventType);
      }
      for (const eventType of [...types].sort()) await compactPartition(eventDate, eventType, report);
      deps.log.info('usage files compacted', { ...report });
      return report;
    },
  };
}

/** The days a scheduled run compacts: yesterday (now complete) and the day before (late events). */
export function daysToCompact(now: Date): string[] {
  const day = 24 * 60 * 60 * 1000;
  return [2, 1].map((back) => new Date(now.getTime() - back * day).toISOString().slice(0, 10));
}
