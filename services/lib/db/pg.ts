import pg from 'pg';
import { DatabaseError, DependencyError } from '../errors.ts';
import { compileNamedParams } from './named-params.ts';
import { type Db, isTypedParam, type Params, type Queryable, type Row, type SqlValue } from './port.ts';
import { castFor, toIsoTimestamp, toUtcTimestampText } from './values.ts';

const { Pool, types } = pg;

const INT8 = 20;
const DATE = 1082;
const TIMESTAMP = 1114;
const TIMESTAMPTZ = 1184;
const INT8_ARRAY = 1016;
const NUMERIC_ARRAY = 1231;
const DATE_ARRAY = 1182;
const TIMESTAMP_ARRAY = 1115;
const TIMESTAMPTZ_ARRAY = 1185;
const TEXT_ARRAY = 1009;

/**
 * pg's own text[] parser: splits any one-dimensional array literal into its element texts. Looked
 * up per call, so that importing this module runs nothing of pg: function bundles leave pg out
 * (scripts/build.ts) and only ever build the Data API adapter.
 */
const textArray = (text: string): (string | null)[] =>
  (types.getTypeParser as (oid: number) => (text: string) => (string | null)[])(TEXT_ARRAY)(text);
const mapArray =
  (item: (text: string) => unknown) =>
  (text: string): unknown[] =>
    textArray(text).map((value) => (value === null ? null : item(value)));

/** Type parsers that give the normalised values the `Db` port promises. */
const parsers: Record<number, (text: string) => unknown> = {
  [INT8]: Number,
  // pg's default turns a date into a local-midnight Date; the port promises `YYYY-MM-DD`.
  [DATE]: (text) => text,
  [TIMESTAMP]: toIsoTimestamp,
  [TIMESTAMPTZ]: toIsoTimestamp,
  [INT8_ARRAY]: mapArray(Number),
  [NUMERIC_ARRAY]: textArray,
  [DATE_ARRAY]: textArray,
  [TIMESTAMP_ARRAY]: mapArray(toIsoTimestamp),
  [TIMESTAMPTZ_ARRAY]: mapArray(toIsoTimestamp),
};

const typeParsers = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    parsers[oid] ?? types.getTypeParser(oid, format ?? 'text')) as typeof types.getTypeParser,
};

export interface PgDbOptions {
  connectionString: string;
  maxConnections?: number;
  /** Milliseconds a statement may run before PostgreSQL cancels it. */
  statementTimeoutMs?: number;
}

/** The `Db` port over node-postgres: the local stack's and the tests' database adapter. */
export function pgDb(options: PgDbOptions): Db {
  const pool = new Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 10,
    types: typeParsers,
    // Sessions run in UTC, as Aurora's do, so `timestamp` parameters mean the same on both adapters.
    options: `-c TimeZone=UTC -c statement_timeout=${options.statementTimeoutMs ?? 30_000}`,
  });
  // An idle client losing its connection must not crash the process; the next query reconnects.
  pool.on('error', () => {});

  const runner = (client: pg.Pool | pg.PoolClient): Queryable => ({
    async query<T extends Row>(sql: string, params: Params = {}) {
      return (await run(client, sql, params)).rows as T[];
    },
    async execute(sql, params = {}) {
      return (await run(client, sql, params)).rowCount ?? 0;
    },
    async batch(sql, paramSets) {
      for (const params of paramSets) await run(client, sql, params);
    },
  });

  async function inTransaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await pool.connect().catch((error: unknown) => {
      throw toDbError(error);
    });
    const control = (command: string) =>
      client.query(command).catch((error: unknown) => {
        throw toDbError(error);
      });
    try {
      await control('BEGIN');
      const result = await work(client);
      await control('COMMIT');
      return result;
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    } finally {
      client.release();
    }
  }

  const outer = runner(pool);
  return {
    ...outer,
    // A batch is all-or-nothing, as one BatchExecuteStatement call is on the Data API.
    async batch(sql, paramSets) {
      if (paramSets.length <= 1) return outer.batch(sql, paramSets);
      await inTransaction((client) => runner(client).batch(sql, paramSets));
    },
    async transaction(work) {
      return inTransaction((client) => work(runner(client)));
    },
    async close() {
      await pool.end();
    },
  };
}

async function run(client: pg.Pool | pg.PoolClient, sql: string, params: Params) {
  const compiled = compileNamedParams(sql, (position, name) => {
    const cast = bindingCast(params[name]);
    return cast ? `$${position}::${cast}` : `$${position}`;
  });
  const values = compiled.names.map((name) => {
    if (!(name in params) || params[name] === undefined) {
      throw new DatabaseError(`SQL parameter :${name} has no value`);
    }
    return toPgValue(params[name] as SqlValue);
  });
  try {
    return await client.query({ text: compiled.text, values });
  } catch (error) {
    throw toDbError(error);
  }
}

/**
 * The type each value is bound as, matching what the Data API binds for the parameter `dataApiDb`
 * sends: a string is varchar (so a uuid, timestamp or json string needs its `sql.*` type, there as
 * here), an integer int8, any other number float8, a Date a UTC timestamp, an object or array json.
 * Null stays untyped.
 */
function bindingCast(value: SqlValue | undefined): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (isTypedParam(value)) return castFor[value.sqlType];
  switch (typeof value) {
    case 'string':
      return 'varchar';
    case 'number':
      return Number.isInteger(value) ? 'int8' : 'float8';
    case 'bigint':
      return 'int8';
    case 'boolean':
      return 'bool';
    default:
      return value instanceof Date ? 'timestamp' : 'json';
  }
}

function toPgValue(value: SqlValue): unknown {
  if (typeof value === 'bigint') return value.toString();
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return toUtcTimestampText(value);
  if (isTypedParam(value)) {
    // A zone in a typed timestamp is honoured (converted to UTC), not dropped by the ::timestamp cast.
    const { sqlType, value: text } = value;
    return sqlType === 'timestamp' && text !== null ? toUtcTimestampText(text) : text;
  }
  // Plain objects and arrays travel as json, as they must through the Data API.
  return JSON.stringify(value);
}

function toDbError(error: unknown): Error {
  if (error instanceof DatabaseError) return error;
  if (error instanceof pg.DatabaseError) {
    return new DatabaseError(error.message, error.code, { cause: error });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new DependencyError(`database unreachable: ${message}`, { cause: error });
}
