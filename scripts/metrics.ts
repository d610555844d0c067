/**
 * npm run metrics -- <query-name> [--since YYYY-MM-DD] [--json]
 *
 * Runs one of the dashboards' named queries (services/metrics/queries/<name>.sql, the same SQL
 * Terraform gives Athena) with DuckDB over the Parquet files of the running local stack's lake
 * bucket. DuckDB's httpfs extension is downloaded at run time, which cannot happen offline, so
 * the files are copied from the bucket (moto S3) to a temporary folder and read from there.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { awsClientConfig } from '#lib/aws';
import { LAKE_PREFIX, partitionOf } from '#services/metrics/lake/keys';
import { s3LakeStore } from '#services/metrics/lake/store';
import { runningLocalStack } from './local/stack-file.ts';

const QUERIES_DIR = join(dirname(new URL(import.meta.url).pathname), '..', 'services', 'metrics', 'queries');

/** The named queries: one `.sql` file each. */
export const namedQueries = () =>
  readdirSync(QUERIES_DIR)
    .filter((file) => file.endsWith('.sql'))
    .map((file) => file.slice(0, -'.sql'.length))
    .sort();

export interface MetricsOptions {
  env: Record<string, string | undefined>;
  query: string;
  /** Only the days from this one on (`YYYY-MM-DD`). */
  since?: string;
}

export interface MetricsResult {
  columns: string[];
  rows: Array<Record<string, string | number | boolean | null>>;
  files: number;
  bytes: number;
  downloadMs: number;
  queryMs: number;
}

const plain = (value: unknown): string | number | boolean | null => {
  if (value === null || value === undefined) return null;
  if (typeof value === 'bigint') return Number(value);
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return String(value);
};

/** Copies the lake's files to a temporary folder (keeping their partition paths) and runs the query. */
export async function runMetricsQuery(options: MetricsOptions): Promise<MetricsResult> {
  if (!namedQueries().includes(options.query)) {
    throw new Error(`unknown query '${options.query}': one of ${namedQueries().join(', ')}`);
  }
  if (options.since !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(options.since)) {
    throw new Error(`--since must be a day as YYYY-MM-DD, got '${options.since}'`);
  }
  const bucket = options.env.LAKE_BUCKET;
  if (!bucket || !options.env.AWS_REGION) throw new Error('LAKE_BUCKET and AWS_REGION must be set');
  const sql = readFileSync(join(QUERIES_DIR, `${options.query}.sql`), 'utf8');
  const s3 = new S3Client({
    ...awsClientConfig({
      AWS_REGION: options.env.AWS_REGION,
      AWS_ENDPOINT_URL: options.env.AWS_ENDPOINT_URL,
    }),
    forcePathStyle: options.env.AWS_ENDPOINT_URL !== undefined,
  });
  const folder = mkdtempSync(join(tmpdir(), 'karaoke-lake-'));
  try {
    const downloadStarted = performance.now();
    const lake = s3LakeStore(s3, bucket);
    const objects = (await lake.list(LAKE_PREFIX)).filter((object) => {
      const partition = partitionOf(object.key);
      return partition !== null && (options.since === undefined || partition.eventDate >= options.since);
    });
    let bytes = 0;
    for (let start = 0; start < objects.length; start += 16) {
      await Promise.all(
        objects.slice(start, start + 16).map(async ({ key }) => {
          const body = await lake.get(key);
          bytes += body.length;
          const path = join(folder, key);
          mkdirSync(dirname(path), { recursive: true });
          writeFileSync(path, body);
        }),
      );
    }
    const downloadMs = performance.now() - downloadStarted;
    const queryStarted = performance.now();
    const instance = await DuckDBInstance.create(':memory:');
    const connection = await instance.connect();
    try {
      const source =
        objects.length === 0
          ? // No file yet: an empty table of the same shape, so every query answers with no rows.
            `SELECT NULL::VARCHAR AS event_id, NULL::TIMESTAMP AS occurred_at, NULL::VARCHAR AS actor_kind,
               NULL::VARCHAR AS actor_id, NULL::VARCHAR AS song_id, NULL::VARCHAR AS media_id,
               NULL::VARCHAR AS playlist_id, NULL::VARCHAR AS pitch_id, NULL::VARCHAR AS recipient,
               NULL::VARCHAR AS night_id, NULL::VARCHAR AS singer_id, NULL::VARCHAR AS query,
               NULL::INTEGER AS result_count, NULL::VARCHAR AS event_date, NULL::VARCHAR AS event_type WHERE false`
          : `SELECT * FROM read_parquet('${join(folder, LAKE_PREFIX)}**/*.parquet', hive_partitioning = true,
               hive_types = {'event_date': VARCHAR, 'event_type': VARCHAR}, union_by_name = true)`;
      await connection.run(`CREATE VIEW usage_events AS ${source}`);
      const reader = await connection.runAndReadAll(sql);
      const columns = reader.columnNames();
      const rows = reader
        .getRowObjectsJS()
        .map((row) => Object.fromEntries(columns.map((column) => [column, plain(row[column])])));
      return {
        columns,
        rows,
        files: objects.length,
        bytes,
        downloadMs,
        queryMs: performance.now() - queryStarted,
      };
    } finally {
      connection.closeSync();
      instance.closeSync();
    }
  } finally {
    s3.destroy();
    rmSync(folder, { recursive: true, force: true });
  }
}

function table(columns: string[], rows: MetricsResult['rows']): string {
  const cells = rows.map((row) => columns.map((column) => String(row[column] ?? '')));
  const widths = columns.map((column, index) =>
    Math.max(column.length, ...cells.map((line) => (line[index] ?? '').length)),
  );
  const line = (values: string[]) =>
    values.map((value, index) => value.padEnd(widths[index] ?? 0)).join('  ');
  return [line(columns), line(widths.map((width) => '-'.repeat(width))), ...cells.map(line)].join('\n');
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const query = args.find((arg, index) => !arg.startsWith('--') && args[index - 1] !== '--since');
  const sinceAt = args.indexOf('--since');
  const since = sinceAt >= 0 ? args[sinceAt + 1] : undefined;
  if (!query) {
    throw new Error(
      `Usage: npm run metrics -- <query> [--since YYYY-MM-DD] [--json]; queries: ${namedQueries().join(', ')}`,
    );
  }
  const { env } = runningLocalStack();
  const result = await runMetricsQuery({ env, query, ...(since ? { since } : {}) });
  if (args.includes('--json')) {
    for (const row of result.rows) console.log(JSON.stringify(row));
  } else {
    console.log(table(result.columns, result.rows));
    console.log(
      `\n${result.rows.length} row(s) from ${result.files} file(s), ${result.bytes} bytes; ` +
        `copied in ${Math.round(result.downloadMs)} ms, queried in ${Math.round(result.queryMs)} ms`,
    );
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
}
