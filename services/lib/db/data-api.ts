import {
  BatchExecuteStatementCommand,
  BeginTransactionCommand,
  type ColumnMetadata,
  CommitTransactionCommand,
  ExecuteStatementCommand,
  type ExecuteStatementCommandOutput,
  type RDSDataClient,
  RollbackTransactionCommand,
  type SqlParameter,
  type TypeHint,
} from '@aws-sdk/client-rds-data';
import { DatabaseError, DependencyError } from '../errors.ts';
import { compileNamedParams } from './named-params.ts';
import {
  type Db,
  isTypedParam,
  type Params,
  type Queryable,
  type Row,
  type SqlType,
  type SqlValue,
} from './port.ts';
import { toIsoTimestamp, toUtcTimestampText } from './values.ts';

export interface DataApiDbOptions {
  /** Owned by the caller (who may have wrapped it for tracing); `close()` leaves it alone. */
  client: RDSDataClient;
  resourceArn: string;
  secretArn: string;
  database: string;
}

/** The Data API refuses requests over 4 MiB; batches are cut well below that. */
const BATCH_MAX_BYTES = 2 * 1024 * 1024;
const BATCH_MAX_SETS = 1000;

const HINTS: Record<SqlType, TypeHint> = {
  uuid: 'UUID',
  timestamp: 'TIMESTAMP',
  date: 'DATE',
  json: 'JSON',
  decimal: 'DECIMAL',
};

/**
 * The `Db` port over the RDS Data API (Aurora PostgreSQL). Rows are requested as JSON with column
 * metadata and normalised by column type as `port.ts` describes. Throttling is retried by the SDK.
 */
export function dataApiDb(options: DataApiDbOptions): Db {
  const { client, resourceArn, secretArn, database } = options;
  const cluster = { resourceArn, secretArn };

  async function call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (error) {
      throw toDbError(error);
    }
  }

  function execute(
    sql: string,
    params: Params,
    transactionId?: string,
  ): Promise<ExecuteStatementCommandOutput> {
    const parameters = toParameters(sql, params);
    return call(() =>
      client.send(
        new ExecuteStatementCommand({
          ...cluster,
          database,
          sql,
          parameters,
          transactionId,
          formatRecordsAs: 'JSON',
          includeResultMetadata: true,
        }),
      ),
    );
  }

  async function batch(sql: string, sets: SqlParameter[][], transactionId?: string): Promise<void> {
    for (const parameterSets of chunk(sets)) {
      const command = new BatchExecuteStatementCommand({
        ...cluster,
        database,
        sql,
        parameterSets,
        transactionId,
      });
      await call(() => client.send(command));
    }
  }

  async function inTransaction<T>(work: (transactionId: string) => Promise<T>): Promise<T> {
    const { transactionId } = await call(() =>
      client.send(new BeginTransactionCommand({ ...cluster, database })),
    );
    if (!transactionId) throw new DependencyError('the Data API began a transaction without an id');
    try {
      const result = await work(transactionId);
      await call(() => client.send(new CommitTransactionCommand({ ...cluster, transactionId })));
      return result;
    } catch (error) {
      // The Data API drops a transaction whose statement failed, so this may find nothing to undo.
      await client.send(new RollbackTransactionCommand({ ...cluster, transactionId })).catch(() => {});
      throw error;
    }
  }

  const runner = (transactionId?: string): Queryable => {
    // The Data API refuses a call on a transaction that is still running one, so calls queue.
    let tail: Promise<unknown> = Promise.resolve();
    const inOrder = <T>(task: () => Promise<T>): Promise<T> => {
      if (!transactionId) return task();
      const next = tail.then(task);
      tail = next.catch(() => {});
      return next;
    };
    return {
      query: <T extends Row = Row>(sql: string, params: Params = {}) =>
        inOrder(async () => toRows(await execute(sql, params, transactionId)) as T[]),
      execute: (sql, params = {}) =>
        inOrder(async () => (await execute(sql, params, transactionId)).numberOfRecordsUpdated ?? 0),
      batch: (sql, paramSets) => inOrder(() => batch(sql, toParameterSets(sql, paramSets), transactionId)),
    };
  };

  const outer = runner();
  return {
    ...outer,
    async batch(sql, paramSets) {
      const sets = toParameterSets(sql, paramSets);
      if (sets.length === 0) return;
      // One call is atomic; a batch cut into several calls is made atomic by a transaction.
      if (chunk(sets).length === 1) return batch(sql, sets);
      await inTransaction((transactionId) => batch(sql, sets, transactionId));
    },
    transaction: (work) => inTransaction((transactionId) => work(runner(transactionId))),
    async close() {},
  };
}

/** The `SqlParameter`s for the `:names` the statement uses; a name without a value is an error. */
export function toParameters(sql: string, params: Params): SqlParameter[] {
  return compileNamedParams(sql).names.map((name) => {
    const value = params[name];
    if (value === undefined) throw new DatabaseError(`SQL parameter :${name} has no value`);
    return toSqlParameter(name, value);
  });
}

function toParameterSets(sql: string, paramSets: Params[]): SqlParameter[][] {
  return paramSets.map((params) => toParameters(sql, params));
}

export function toSqlParameter(name: string, value: SqlValue): SqlParameter {
  if (value === null) return { name, value: { isNull: true } };
  switch (typeof value) {
    case 'string':
      return { name, value: { stringValue: value } };
    case 'number':
      return { name, value: Number.isInteger(value) ? { longValue: value } : { doubleValue: value } };
    case 'bigint':
      return { name, value: { longValue: Number(value) } };
    case 'boolean':
      return { name, value: { booleanValue: value } };
  }
  if (value instanceof Date) {
    return { name, value: { stringValue: toUtcTimestampText(value) }, typeHint: 'TIMESTAMP' };
  }
  if (isTypedParam(value)) {
    if (value.value === null) return { name, value: { isNull: true } };
    return {
      name,
      value: { stringValue: typedText(value.sqlType, value.value) },
      typeHint: HINTS[value.sqlType],
    };
  }
  return { name, value: { stringValue: JSON.stringify(value) }, typeHint: 'JSON' };
}

/** The text formats the Data API's type hints accept: `YYYY-MM-DD HH:MM:SS[.fff]` and `YYYY-MM-DD`. */
function typedText(sqlType: SqlType, text: string): string {
  if (sqlType === 'timestamp') return toUtcTimestampText(text);
  if (sqlType === 'date' && /^\d{4}-\d{2}-\d{2}[ T]/.test(text)) return text.slice(0, 10);
  return text;
}

function chunk(sets: SqlParameter[][]): SqlParameter[][][] {
  const chunks: SqlParameter[][][] = [];
  let current: SqlParameter[][] = [];
  let bytes = 0;
  for (const set of sets) {
    const size = JSON.stringify(set).length;
    if (current.length > 0 && (current.length >= BATCH_MAX_SETS || bytes + size > BATCH_MAX_BYTES)) {
      chunks.push(current);
      current = [];
      bytes = 0;
    }
    current.push(set);
    bytes += size;
  }
  if (current.length > 0) chunks.push(current);
  return chunks;
}

/** Parses `formattedRecords` and normalises each value by its column's type. */
export function toRows(
  output: Pick<ExecuteStatementCommandOutput, 'formattedRecords' | 'columnMetadata'>,
): Row[] {
  if (!output.formattedRecords) return [];
  const records = JSON.parse(output.formattedRecords) as Row[];
  const typeOf = new Map<string, string>();
  for (const column of output.columnMetadata ?? ([] as ColumnMetadata[])) {
    const typeName = column.typeName?.toLowerCase() ?? '';
    if (column.name) typeOf.set(column.name, typeName);
    if (column.label) typeOf.set(column.label, typeName);
  }
  for (const record of records) {
    for (const [key, value] of Object.entries(record)) record[key] = normaliseValue(value, typeOf.get(key));
  }
  return records;
}

/** One value of a JSON-formatted record, normalised by its column's `typeName` (`_x` is an array of x). */
export function normaliseValue(value: unknown, typeName = ''): unknown {
  if (value === null || value === undefined) return null;
  if (Array.isArray(value) && typeName.startsWith('_')) {
    return value.map((item) => normaliseValue(item, typeName.slice(1)));
  }
  switch (typeName) {
    case 'timestamp':
    case 'timestamptz':
      return typeof value === 'string' ? toIsoTimestamp(value) : value;
    case 'json':
    case 'jsonb':
      return typeof value === 'string' ? JSON.parse(value) : value;
    case 'int2':
    case 'int4':
    case 'int8':
    case 'serial':
    case 'bigserial':
    case 'float4':
    case 'float8':
      return typeof value === 'string' ? Number(value) : value;
    case 'numeric':
      return typeof value === 'number' ? String(value) : value;
    default:
      return value;
  }
}

/** `ERROR: <message>[\n  Detail: …]; SQLState: <code>` → the PostgreSQL message and its SQLSTATE. */
export function parseDataApiMessage(text: string): { message: string; sqlState?: string } {
  const match = /;\s*SQLState:\s*([0-9A-Z]{5})\s*$/.exec(text);
  const body = match ? text.slice(0, match.index) : text;
  const message = (body.split('\n')[0] ?? body).replace(/^(ERROR|FATAL|PANIC):\s*/, '').trim();
  return match?.[1] ? { message, sqlState: match[1] } : { message };
}

const SQL_ERRORS = new Set(['BadRequestException', 'DatabaseErrorException', 'TransactionNotFoundException']);
/** A BadRequestException that means the cluster, not the statement, failed. */
const TRANSIENT =
  /Communications link failure|Connection (refused|reset)|is resuming after being auto-paused/i;

/**
 * SQL and request errors → `DatabaseError` (with the SQLSTATE when the message carries one);
 * everything else (network, 5xx, timeouts, throttling left after the SDK's retries, a paused or
 * unreachable cluster, credentials) → `DependencyError`.
 */
export function toDbError(error: unknown): Error {
  if (error instanceof DatabaseError || error instanceof DependencyError) return error;
  const name = error instanceof Error ? error.name : 'Error';
  const text = error instanceof Error ? error.message : String(error);
  if (SQL_ERRORS.has(name) && !TRANSIENT.test(text)) {
    const { message, sqlState } = parseDataApiMessage(text);
    return new DatabaseError(message, sqlState, { cause: error });
  }
  return new DependencyError(`database unavailable (${name}): ${text}`, { cause: error });
}
