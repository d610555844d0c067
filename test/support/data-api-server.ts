import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { compileNamedParams, skipNonCode } from '#lib/db/named-params';
import type { SqlType } from '#lib/db/port';
import { castFor } from '#lib/db/values';
import { DatabaseError } from '#lib/errors';

/**
 * A local stand-in for the RDS Data API (restJson1, as the AWS SDK v3 client speaks it) that runs
 * statements on PostgreSQL. It answers as the real service does for Aurora PostgreSQL: one statement
 * per call, `:name` parameters bound as JDBC would (string → varchar, long → int8, double → float8,
 * type hints as casts), `formatRecordsAs: 'JSON'` records, and SQL errors as HTTP 400 with
 * `ERROR: <message>[\n  Detail: …]; SQLState: <code>`.
 */
export interface DataApiServerOptions {
  databaseUrl: string;
  port?: number;
  /** The error type SQL errors come back as: `BadRequestException` (default) or `DatabaseErrorException`. */
  sqlErrorType?: 'BadRequestException' | 'DatabaseErrorException';
  /** Idle transactions are rolled back after this long (the real service: 3 minutes). */
  transactionTimeoutMs?: number;
}

interface Field {
  isNull?: boolean;
  booleanValue?: boolean;
  longValue?: number;
  doubleValue?: number;
  stringValue?: string;
  blobValue?: string;
  arrayValue?: unknown;
}
interface Parameter {
  name: string;
  value: Field;
  typeHint?: string;
}
interface Transaction {
  client: pg.PoolClient;
  busy: boolean;
  lastUsed: number;
}
type Body = Record<string, unknown> & { sql?: string; transactionId?: string };

class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const RESPONSE_LIMIT = 1024 * 1024;
/** java.sql.Types codes, as `columnMetadata.type` carries them (arrays 2003, anything else 1111). */
const JDBC_TYPES: Record<string, number> = {
  ...{ int2: 5, int4: 4, int8: -5, float4: 7, float8: 8, numeric: 2, bool: -7, text: 12, varchar: 12 },
  ...{ date: 91, time: 92, timestamp: 93, timestamptz: 93 },
};
/** The text the TIMESTAMP and DATE type hints accept (anything else is refused before it runs). */
const HINT_FORMATS: Record<string, RegExp> = {
  TIMESTAMP: /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,9})?$/,
  DATE: /^\d{4}-\d{2}-\d{2}$/,
};
// Every value arrives as PostgreSQL's text; the conversion below is the Data API's, not pg's.
const rawText = { getTypeParser: () => (text: string) => text } as unknown as typeof pg.types;
const textArray = (pg.types.getTypeParser as (oid: number) => (text: string) => unknown[])(1009);

export async function startDataApiServer(options: DataApiServerOptions) {
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 10, options: '-c TimeZone=UTC' });
  pool.on('error', () => {});
  const sqlErrorType = options.sqlErrorType ?? 'BadRequestException';
  const transactions = new Map<string, Transaction>();
  const typeNames = new Map<number, string>();

  const sweep = setInterval(() => {
    const cutoff = Date.now() - (options.transactionTimeoutMs ?? 180_000);
    for (const [id, tx] of transactions) if (!tx.busy && tx.lastUsed < cutoff) void end(id, 'ROLLBACK');
  }, 1000);
  sweep.unref();

  async function end(id: string, command: 'COMMIT' | 'ROLLBACK') {
    const tx = transactions.get(id);
    transactions.delete(id);
    try {
      await tx?.client.query(command);
    } finally {
      tx?.client.release();
    }
  }

  /** Runs `work` on the transaction's connection, or on a pooled one when there is none. */
  async function within<T>(id: string | undefined, work: (client: pg.ClientBase) => Promise<T>): Promise<T> {
    if (!id) {
      const client = await pool.connect();
      try {
        return await work(client);
      } finally {
        client.release();
      }
    }
    const tx = transactions.get(id);
    if (!tx) throw new ApiError('BadRequestException', `Transaction ${id} is not found`);
    if (tx.busy) throw new ApiError('DatabaseErrorException', 'Transaction is still running a query');
    tx.busy = true;
    try {
      return await work(tx.client);
    } catch (error) {
      await end(id, 'ROLLBACK').catch(() => {}); // a failed statement ends its transaction
      throw error;
    } finally {
      tx.busy = false;
      tx.lastUsed = Date.now();
    }
  }

  async function typeNameOf(oid: number, client: pg.ClientBase): Promise<string> {
    if (!typeNames.has(oid)) {
      const { rows } = await client.query('SELECT typname FROM pg_type WHERE oid = $1', [oid]);
      typeNames.set(oid, String(rows[0]?.typname ?? 'unknown'));
    }
    return typeNames.get(oid) ?? 'unknown';
  }

  async function run(client: pg.ClientBase, sql: string, parameters: Parameter[] = []) {
    const { text, values } = bind(sql, parameters);
    const result = await client.query({ text, values, rowMode: 'array', types: rawText });
    const types = await Promise.all(result.fields.map((field) => typeNameOf(field.dataTypeID, client)));
    const records = (result.rows as (string | null)[][]).map((row) =>
      Object.fromEntries(result.fields.map((field, i) => [field.name, toJson(row[i] ?? null, types[i] ?? '')])),
    );
    const changed = ['INSERT', 'UPDATE', 'DELETE', 'MERGE'].includes(result.command);
    return { result, types, records, numberOfRecordsUpdated: changed ? (result.rowCount ?? 0) : 0 };
  }

  const operations: Record<string, (body: Body) => Promise<unknown>> = {
    '/Execute': (body) =>
      within(body.transactionId, async (client) => {
        const { result, types, records, numberOfRecordsUpdated } = await run(
          client,
          body.sql ?? '',
          body.parameters as Parameter[],
        );
        if (result.fields.length === 0) return { numberOfRecordsUpdated };
        const formattedRecords = JSON.stringify(records);
        if (Buffer.byteLength(formattedRecords) > RESPONSE_LIMIT) {
          throw new ApiError('BadRequestException', 'Database response exceeded size limit');
        }
        const columnMetadata = result.fields.map((field, i) => {
          const typeName = types[i] ?? 'unknown';
          const type = typeName.startsWith('_') ? 2003 : (JDBC_TYPES[typeName] ?? 1111);
          return { name: field.name, label: field.name, typeName, type, nullable: 2, schemaName: '', tableName: '' };
        });
        return {
          numberOfRecordsUpdated,
          ...(body.includeResultMetadata ? { columnMetadata } : {}),
          ...(body.formatRecordsAs === 'JSON' ? { formattedRecords } : { records: records.map(toFields) }),
        };
      }),
    '/BatchExecute': (body) =>
      within(body.transactionId, async (client) => {
        const sets = (body.parameterSets as Parameter[][] | undefined) ?? [[]];
        // Without a transaction the batch is one implicit transaction, as a JDBC batch is.
        if (!body.transactionId) await client.query('BEGIN');
        try {
          for (const set of sets) await run(client, body.sql ?? '', set);
          if (!body.transactionId) await client.query('COMMIT');
        } catch (error) {
          if (!body.transactionId) await client.query('ROLLBACK');
          throw error;
        }
        return { updateResults: sets.map(() => ({ generatedFields: [] })) };
      }),
    '/BeginTransaction': async () => {
      const client = await pool.connect();
      await client.query('BEGIN');
      const id = randomBytes(96).toString('base64');
      transactions.set(id, { client, busy: false, lastUsed: Date.now() });
      return { transactionId: id };
    },
    '/CommitTransaction': (body) => finish(String(body.transactionId), 'COMMIT', 'Transaction Committed'),
    '/RollbackTransaction': (body) => finish(String(body.transactionId), 'ROLLBACK', 'Rollback Complete'),
  };

  async function finish(id: string, command: 'COMMIT' | 'ROLLBACK', status: string) {
    const tx = transactions.get(id);
    if (!tx) throw new ApiError('BadRequestException', `Transaction ${id} is not found`);
    if (tx.busy) throw new ApiError('DatabaseErrorException', 'Transaction is still running a query');
    await end(id, command);
    return { transactionStatus: status };
  }

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const reply = (status: number, payload: unknown, errorType?: string) => {
      response.writeHead(status, {
        'content-type': 'application/json',
        'x-amzn-requestid': randomUUID(),
        ...(errorType ? { 'x-amzn-errortype': errorType } : {}),
      });
      response.end(JSON.stringify(payload));
    };
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const operation = operations[request.url ?? ''];
      if (request.method !== 'POST' || !operation) throw new ApiError('UnknownOperationException', 'Not found');
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Body;
      if (body.sql !== undefined && hasMoreThanOneStatement(body.sql)) {
        throw new ApiError('BadRequestException', "Multistatements aren't supported.");
      }
      reply(200, await operation(body));
    } catch (error) {
      if (error instanceof ApiError) {
        return reply(error.type.startsWith('Unknown') ? 404 : 400, { message: error.message }, error.type);
      }
      if (error instanceof pg.DatabaseError) return reply(400, { message: sqlErrorMessage(error) }, sqlErrorType);
      if (error instanceof DatabaseError) {
        return reply(400, { message: `ERROR: ${error.message}; SQLState: 42601` }, sqlErrorType);
      }
      reply(500, { message: String(error) }, 'InternalServerErrorException');
    }
  }

  const server = createServer((request, response) => void handle(request, response));
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    async stop() {
      clearInterval(sweep);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await Promise.all([...transactions.keys()].map((id) => end(id, 'ROLLBACK').catch(() => {})));
      await pool.end();
    },
  };
}

/** `:name` → `$n`, cast as the Data API binds the parameter's value and type hint. */
function bind(sql: string, parameters: Parameter[]) {
  const byName = new Map(parameters.map((parameter) => [parameter.name, parameter]));
  const compiled = compileNamedParams(sql, (position, name) => {
    const parameter = byName.get(name);
    const cast = parameter ? castOf(parameter) : undefined;
    return cast ? `$${position}::${cast}` : `$${position}`;
  });
  const values = compiled.names.map((name) => {
    const parameter = byName.get(name);
    if (!parameter) throw new ApiError('BadRequestException', `No value specified for parameter :${name}`);
    const { value, typeHint } = parameter;
    if (value.arrayValue !== undefined) throw new ApiError('BadRequestException', 'Array parameters are not supported');
    if (value.blobValue !== undefined) return Buffer.from(value.blobValue, 'base64');
    const text = value.stringValue;
    const format = typeHint ? HINT_FORMATS[typeHint] : undefined;
    if (text !== undefined && format && !format.test(text)) {
      throw new ApiError('BadRequestException', `Text '${text}' could not be parsed as ${typeHint}`);
    }
    return value.isNull ? null : (text ?? value.longValue ?? value.doubleValue ?? value.booleanValue ?? null);
  });
  return { text: compiled.text, values };
}

function castOf({ value, typeHint }: Parameter): string | undefined {
  if (value.isNull) return undefined;
  if (typeHint && value.stringValue !== undefined) {
    return typeHint === 'TIME' ? 'time' : castFor[typeHint.toLowerCase() as SqlType];
  }
  if (value.stringValue !== undefined) return 'varchar';
  if (value.longValue !== undefined) return 'int8';
  if (value.doubleValue !== undefined) return 'float8';
  if (value.booleanValue !== undefined) return 'bool';
  return value.blobValue !== undefined ? 'bytea' : undefined;
}

/** A column value as the Data API puts it in JSON records. */
function toJson(text: string | null, typeName: string): unknown {
  if (text === null) return null;
  if (typeName.startsWith('_')) {
    const toItem = (item: unknown): unknown =>
      Array.isArray(item) ? item.map(toItem) : toJson(item as string | null, typeName.slice(1));
    return textArray(text).map(toItem);
  }
  switch (typeName) {
    case 'int2':
    case 'int4':
    case 'int8':
    case 'oid':
    case 'float4':
    case 'float8':
      return Number(text);
    case 'bool':
      return text === 't';
    case 'timestamptz': {
      // Sessions run in UTC, so the offset is +00; drop it as the Data API does.
      const utc = /^(.*)\+00(:00)?$/.exec(text);
      return utc ? utc[1] : new Date(text).toISOString().replace('T', ' ').replace('Z', '');
    }
    case 'bytea':
      return Buffer.from(text.slice(2), 'hex').toString('base64');
    default:
      return text; // numeric, json/jsonb, uuid, date, timestamp, text…
  }
}

/** A JSON record value as a `Field` of the default (non-JSON) record format. */
function toFields(record: Record<string, unknown>): Field[] {
  return Object.values(record).map((value) => {
    if (value === null) return { isNull: true };
    if (typeof value === 'boolean') return { booleanValue: value };
    if (typeof value === 'number') return Number.isInteger(value) ? { longValue: value } : { doubleValue: value };
    if (Array.isArray(value)) return { arrayValue: { stringValues: value.map(String) } };
    return { stringValue: String(value) };
  });
}

/** PostgreSQL's error as the Data API words it (the JDBC driver's text, then the SQLSTATE). */
function sqlErrorMessage(error: pg.DatabaseError): string {
  const lines = [`${error.severity ?? 'ERROR'}: ${error.message}`];
  if (error.detail) lines.push(`  Detail: ${error.detail}`);
  if (error.hint) lines.push(`  Hint: ${error.hint}`);
  if (error.position) lines.push(`  Position: ${error.position}`);
  if (error.where) lines.push(`  Where: ${error.where}`);
  return `${lines.join('\n')}; SQLState: ${error.code}`;
}

function hasMoreThanOneStatement(sql: string): boolean {
  let ended = false;
  for (let i = 0; i < sql.length; ) {
    const next = skipNonCode(sql, i);
    const isComment = sql.startsWith('--', i) || sql.startsWith('/*', i);
    if (ended && !isComment && !/\s|;/.test(sql[i] ?? '')) return true;
    if (sql[i] === ';') ended = true;
    i = next > i ? next : i + 1;
  }
  return false;
}
