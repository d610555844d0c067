import { parquetReadObjects } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';
import { USAGE_COLUMNS, type UsageRow } from './rows.ts';

/**
 * Rows per row group. A day's compacted file is read by Athena and DuckDB a row group at a time;
 * 100k rows of usage events is a few MB, well inside what either reader handles per unit of work.
 */
const ROW_GROUP_ROWS = 100_000;

const WITH_STATISTICS = new Set<string>(['occurred_at', 'schema_version', 'result_count', 'latency_ms']);

/**
 * One Parquet file (snappy) of usage rows. Written with hyparquet-writer: pure JavaScript, 60 KB
 * in a bundle, and the fastest writer measured here (see README, "Usage metrics").
 */
export function encodeUsageParquet(rows: readonly UsageRow[]): Uint8Array {
  const buffer = parquetWriteBuffer({
    codec: 'SNAPPY',
    rowGroupSize: ROW_GROUP_ROWS,
    createdBy: 'karaoke-suite usage-archiver',
    columnData: USAGE_COLUMNS.map(([name, type]) => ({
      name,
      type,
      data: rows.map((row) => row[name]),
      // Min/max statistics only where a query's filter can skip a row group by them; on the id and
      // text columns they cost a third of the encoding time and skip nothing.
      statistics: WITH_STATISTICS.has(name),
      // Every event id is different: a dictionary is tried, then dropped, for nothing.
      ...(name === 'event_id' ? { encoding: 'PLAIN' as const } : {}),
    })),
  });
  return new Uint8Array(buffer);
}

/** Reads back a file written by {@link encodeUsageParquet} (compaction, tests). */
export async function decodeUsageParquet(bytes: Uint8Array): Promise<UsageRow[]> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  const objects = (await parquetReadObjects({ file, utf8: true })) as Array<Record<string, unknown>>;
  return objects.map((object) => {
    const row = {} as Record<string, unknown>;
    for (const [name, type] of USAGE_COLUMNS) {
      const value = object[name] ?? null;
      row[name] =
        type === 'TIMESTAMP' && value !== null && !(value instanceof Date)
          ? new Date(Number(value))
          : type === 'INT32' && typeof value === 'bigint'
            ? Number(value)
            : value;
    }
    return row as unknown as UsageRow;
  });
}
