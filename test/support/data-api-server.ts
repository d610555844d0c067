import { randomBytes, randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import pg from 'pg';
import { compileNamedParams, skipNonCode } from '#lib/db/named-params';
import type { SqlType } from '#lib/db/port';
import { castFor } from '#lib/db/values';
import { DatabaseError } from '#lib/errors';

/**
 * A local RDS Data API (restJson1, as the AWS SDK v3 client speaks it) over PostgreSQL, answering as
 * the service does for Aurora PostgreSQL: one statement per call; `:name` parameters bound as its
 * JDBC driver binds them (string → varchar, long → int8, double → float8, type hints as casts);
 * `formatRecordsAs: 'JSON'` records; SQL errors as HTTP 400 whose message is
 * `ERROR: <message>[\n  Detail: …][\n  Position: n]; SQLState: <code>`.
 */
export interface DataApiServerOptions {
  databaseUrl: string;
  port?: number;
  /** The type SQL errors come back as (Serverless v1 and the default here: BadRequestException). */
  sqlErrorType?: 'BadRequestException' | 'DatabaseErrorException';
  /** An idle transaction is rolled back after this long (the service: 3 minutes). */
  transactionTimeoutMs?: number;
}

interface Value {
  isNull?: boolean;
  booleanValue?: boolean;
  longValue?: number;
  doubleValue?: number;
  stringValue?: string;
  arrayValue?: unknown;
  blobValue?: unknown;
}
type Parameter = { name: string; value: Value; typeHint?: string };
interface Body {
  sql?: string;
  transactionId?: string;
  parameters?: Parameter[];
  parameterSets?: Parameter[][];
  formatRecordsAs?: string;
  includeResultMetadata?: boolean;
}
type Transaction = { client: pg.PoolClient; busy: boolean; lastUsed: number };

class ApiError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const RESPONSE_LIMIT = 1024 * 1024;
const NUMBERS = new Set(['int2', 'int4', 'int8', 'oid', 'float4', 'float8']);
/** The text the TIMESTAMP and DATE type hints accept; anything else is refused. */
const HINT_FORMATS: Record<string, RegExp> = {
  TIMESTAMP: /^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(\.\d{1,9})?$/,
  DATE: /^\d{4}-\d{2}-\d{2}$/,
};
// Values arrive as PostgreSQL's text and are converted below the way the Data API converts them.
const rawText = { getTypeParser: () => (text: string) => text } as unknown as typeof pg.types;
const textArray = (pg.types.getTypeParser as (oid: number) => (text: string) => unknown[])(1009);

export async function startDataApiServer(options: DataApiServerOptions) {
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 10, options: '-c TimeZone=UTC' });
  pool.on('error', () => {});
  const transactions = new Map<string, Transaction>();
  const typeNames = new Map<number, string>();

  /** The open transaction `id`, refused as the service refuses it when unknown or mid-statement. */
  function idle(id: string): Transaction {
    const tx = transactions.get(id);
    if (!tx) throw new ApiError('BadRequestException', `Transaction ${id} is not found`);
    if (tx.busy) throw new ApiError('DatabaseErrorException', 'Transaction is still running a query');
    return tx;
  }

  const timeout = options.transactionTimeoutMs ?? 180_000;
  const sweep = setInterval(
    () => {
      for (const [id, tx] of transactions) {
        if (!tx.busy && tx.lastUsed < Date.now() - timeout) void end(id, 'ROLLBACK').catch(() => {});
      }
    },
    Math.min(timeout, 1000),
  );
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

  /** Runs `work` on the transaction's connection, or on a pooled one outside a transaction. */
  async function within<T>(id: string | undefined, work: (client: pg.ClientBase) => Promise<T>): Promise<T> {
    if (!id) {
      const client = await pool.connect();
      try {
        return await work(client);
      } finally {
        client.release();
      }
    }
    const tx = idle(id);
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

  async function run(client: pg.ClientBase, sql: string, parameters: Parameter[] = []) {
    const result = await client.query({ ...bind(sql, parameters), rowMode: 'array', types: rawText });
    for (const { dataTypeID } of result.fields) {
      if (typeNames.has(dataTypeID)) continue;
      const { rows } = await client.query('SELECT typname FROM pg_type WHERE oid = $1', [dataTypeID]);
      typeNames.set(dataTypeID, String(rows[0]?.typname));
    }
    const columns = result.fields.map(({ name, dataTypeID }) => {
      return { name, label: name, typeName: typeNames.get(dataTypeID) ?? 'unknown' };
    });
    const toRecord = (row: (string | null)[]) =>
      Object.fromEntries(columns.map(({ name, typeName }, i) => [name, toJson(row[i] ?? null, typeName)]));
    const changed = ['INSERT', 'UPDATE', 'DELETE', 'MERGE'].includes(result.command);
    const numberOfRecordsUpdated = changed ? (result.rowCount ?? 0) : 0;
    return { columns, records: (result.rows as (string | null)[][]).map(toRecord), numberOfRecordsUpdated };
  }

  const operations: Record<string, (body: Body) => Promise<unknown>> = {
    '/Execute': (body) =>
      within(body.transactionId, async (client) => {
        const result = await run(client, body.sql ?? '', body.parameters);
        const { numberOfRecordsUpdated } = result;
        if (result.columns.length === 0) return { numberOfRecordsUpdated };
        if (body.formatRecordsAs !== 'JSON') throw new ApiError('BadRequestException', 'JSON records only');
        const formattedRecords = JSON.stringify(result.records);
        if (Buffer.byteLength(formattedRecords) > RESPONSE_LIMIT) {
          throw new ApiError('BadRequestException', 'Database response exceeded size limit');
        }
        const metadata = body.includeResultMetadata ? { columnMetadata: result.columns } : {};
        return { numberOfRecordsUpdated, formattedRecords, ...metadata };
      }),
    '/BatchExecute': (body) =>
      within(body.transactionId, async (client) => {
        const sets = body.parameterSets ?? [[]];
        const own = !body.transactionId; // outside a transaction a batch is one, as a JDBC batch is
        if (own) await client.query('BEGIN');
        try {
          for (const set of sets) await run(client, body.sql ?? '', set);
          if (own) await client.query('COMMIT');
        } catch (error) {
          if (own) await client.query('ROLLBACK');
          throw error;
        }
        return { updateResults: sets.map(() => ({ generatedFields: [] })) };
      }),
    '/BeginTransaction': async () => {
      const client = await pool.connect();
      await client.query('BEGIN');
      const transactionId = randomBytes(96).toString('base64');
      transactions.set(transactionId, { client, busy: false, lastUsed: Date.now() });
      return { transactionId };
    },
    '/CommitTransaction': async ({ transactionId = '' }) => {
      idle(transactionId);
      await end(transactionId, 'COMMIT');
      return { transactionStatus: 'Transaction Committed' };
    },
    '/RollbackTransaction': async ({ transactionId = '' }) => {
      idle(transactionId);
      await end(transactionId, 'ROLLBACK');
      return { transactionStatus: 'Rollback Complete' };
    },
  };

  async function handle(request: IncomingMessage, response: ServerResponse) {
    const reply = (status: number, payload: unknown, errorType?: string) => {
      const headers = { 'content-type': 'application/json', 'x-amzn-requestid': randomUUID() };
      response.writeHead(status, errorType ? { ...headers, 'x-amzn-errortype': errorType } : headers);
      response.end(JSON.stringify(payload));
    };
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const operation = request.method === 'POST' ? operations[request.url ?? ''] : undefined;
      if (!operation) return reply(404, { message: `No ${request.url}` }, 'UnknownOperationException');
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as Body;
      if (body.sql !== undefined && hasMoreThanOneStatement(body.sql)) {
        throw new ApiError('BadRequestException', "Multistatements aren't supported.");
      }
      reply(200, await operation(body));
    } catch (error) {
      const sqlErrorType = options.sqlErrorType ?? 'BadRequestException';
      if (error instanceof ApiError) return reply(400, { message: error.message }, error.type);
      if (error instanceof pg.DatabaseError)
        return reply(400, { message: sqlErrorMessage(error) }, sqlErrorType);
      // The statement could not even be split into parameters (an unterminated literal or comment).
      if (error instanceof DatabaseError) {
        return reply(400, { message: `ERROR: ${error.message}; SQLState: 42601` }, sqlErrorType);
      }
      reply(500, { message: String(error) }, 'InternalServerErrorException');
    }
  }

  const server = createServer((request, response) => void handle(request, response));
  await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    async stop() {
      clearInterval(sweep);
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await Promise.all([...transactions.keys()].map((id) => end(id, 'ROLLBACK').catch(() => {})));
      await pool.end();
    },
  };
}

/** `:name` → `$n`, cast to the type the Data API binds the parameter's value and type hint as. */
function bind(sql: string, parameters: Parameter[]) {
  const byName = new Map(parameters.map((parameter) => [parameter.name, parameter]));
  const compiled = compileNamedParams(sql, (position, name) => {
    const parameter = byName.get(name);
    const cast = parameter && castOf(parameter);
    return cast ? `$${position}::${cast}` : `$${position}`;
  });
  const values = compiled.names.map((name) => {
    const { value, typeHint } = byName.get(name) ?? {};
    if (!value) throw new ApiError('BadRequestException', `No value specified for parameter :${name}`);
    if (value.arrayValue || value.blobValue) throw new ApiError('BadRequestException', 'Unsupported value');
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
  if (value.stringValue !== undefined) {
    if (!typeHint) return 'varchar';
    return typeHint === 'TIME' ? 'time' : castFor[typeHint.toLowerCase() as SqlType];
  }
  if (value.longValue !== undefined) return 'int8';
  if (value.doubleValue !== undefined) return 'float8';
  return value.booleanValue !== undefined ? 'bool' : undefined;
}

/** A column value as the Data API writes it in JSON records. */
function toJson(text: string | null, typeName: string): unknown {
  if (text === null) return null;
  if (typeName.startsWith('_')) {
    const item = (value: unknown): unknown =>
      Array.isArray(value) ? value.map(item) : toJson(value as string | null, typeName.slice(1));
    return textArray(text).map(item);
  }
  if (NUMBERS.has(typeName)) return Number(text);
  if (typeName === 'bool') return text === 't';
  // Sessions run in UTC, so a timestamptz ends in +00; the Data API leaves the offset off.
  if (typeName === 'timestamptz') return text.replace(/\+00(:00)?$/, '');
  return text; // numeric, json/jsonb, uuid, date, timestamp, text… as PostgreSQL writes them
}

/** PostgreSQL's error in the JDBC driver's words, with the SQLSTATE the Data API appends. */
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
    if (ended && !isComment && !/[\s;]/.test(sql[i] ?? '')) return true;
    if (sql[i] === ';') ended = true;
    i = next > i ? next : i + 1;
  }
  return false;
}
