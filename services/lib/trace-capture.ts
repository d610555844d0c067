import type { Db, Queryable } from './db/port.ts';
import { noTracer, type Tracer } from './trace.ts';
import { recordingNow } from './trace-context.ts';

/**
 * Subsegments for the clients the AWS SDK capture does not see: PostgreSQL through `pg`, Redis
 * (ioredis) and Elasticsearch. Each wraps the client it is given, in place or as a new object, so
 * the code above never knows; outside a sampled trace each call costs one context lookup.
 */

/** A `Db` whose statements and transactions are `PostgreSQL` subsegments (the Data API's are AWS ones). */
export function tracedDb(db: Db, tracer: Tracer, databaseType = 'PostgreSQL'): Db {
  if (tracer === noTracer) return db;
  const traced = (queryable: Queryable): Queryable => ({
    query: (sql, params) => tracer.span('PostgreSQL', () => queryable.query(sql, params), details(sql)),
    execute: (sql, params) => tracer.span('PostgreSQL', () => queryable.execute(sql, params), details(sql)),
    batch: (sql, sets) => tracer.span('PostgreSQL', () => queryable.batch(sql, sets), details(sql)),
  });
  const details = (sql: string) => ({
    namespace: 'remote' as const,
    sql: { database_type: databaseType, sanitized_query: sql.replace(/\s+/g, ' ').trim().slice(0, 1000) },
  });
  return {
    ...traced(db),
    transaction: (work) => db.transaction((tx) => work(traced(tx))),
    close: () => db.close(),
  };
}

interface RedisCommand {
  name: string;
  promise: Promise<unknown>;
}

/**
 * Every command of an ioredis client as a `Redis` subsegment, timed from when it is issued to its
 * reply (auto-pipelined commands included: each keeps its own reply promise).
 */
export function captureRedis<T extends object>(redis: T, tracer: Tracer): T {
  if (tracer === noTracer) return redis;
  const client = redis as unknown as { sendCommand(command: RedisCommand, stream?: unknown): unknown };
  const send = client.sendCommand.bind(client);
  client.sendCommand = (command, stream) => {
    // Most requests are not sampled, and a cached read is a Redis command or two: no span to open.
    if (!recordingNow()) return send(command, stream);
    let result: unknown;
    void tracer
      .span(
        'Redis',
        async () => {
          result = send(command, stream);
          await command.promise;
        },
        { namespace: 'remote', metadata: { command: command.name } },
      )
      .catch(() => {});
    return result;
  };
  return redis;
}

interface TransportLike {
  request(params: { method: string; path: string }, options?: unknown): Promise<unknown>;
}

/** Every request of an `@elastic/elasticsearch` client as an `Elasticsearch` subsegment with its status. */
export function captureElasticsearch<T extends { transport: unknown }>(client: T, tracer: Tracer): T {
  if (tracer === noTracer) return client;
  const transport = client.transport as TransportLike;
  const request = transport.request.bind(transport);
  transport.request = (params, options) =>
    tracer.span(
      'Elasticsearch',
      async (span) => {
        try {
          const result = await request(params, options);
          const meta = (result as { meta?: { statusCode?: number } } | undefined)?.meta;
          span.status(meta?.statusCode ?? 200);
          return result;
        } catch (error) {
          const status = (error as { meta?: { statusCode?: number } }).meta?.statusCode;
          span.status(status);
          // A 404 or a version conflict is an answer the caller expects to handle, not a fault.
          if (status === undefined || status >= 500) span.fail(error);
          throw error;
        }
      },
      { namespace: 'remote', http: { method: params.method, url: params.path } },
    );
  return client;
}

/** The PostgreSQL setting the outbox trigger copies into each outbox row (migration 0008). */
export const TRACE_HEADER_SETTING = 'karaoke.trace_header';

const WRITE = /^\s*(insert|update|delete|with|merge)\b/i;

/**
 * A `Db` whose writes in a sampled trace set {@link TRACE_HEADER_SETTING} in their transaction, so
 * the outbox row the write's trigger adds carries the trace on to the change-publisher and its
 * consumers. Only sampled writes pay for it: a lone statement becomes a transaction of two.
 */
export function traceCarryingDb(db: Db, tracer: Tracer): Db {
  if (tracer === noTracer) return db;
  const mark = (tx: Queryable, header: string) =>
    tx.query(`SELECT set_config('${TRACE_HEADER_SETTING}', :header, true)`, { header });
  const single =
    <K extends 'query' | 'execute' | 'batch'>(method: K) =>
    (sql: string, params: never) => {
      const header = tracer.currentHeader();
      const run = (q: Queryable) =>
        (q[method] as (sql: string, params: never) => Promise<never>)(sql, params);
      if (!header || !WRITE.test(sql)) return run(db);
      return db.transaction(async (tx) => {
        await mark(tx, header);
        return run(tx);
      });
    };
  return {
    query: single('query') as Db['query'],
    execute: single('execute') as Db['execute'],
    batch: single('batch') as Db['batch'],
    transaction: (work) =>
      db.transaction(async (tx) => {
        const header = tracer.currentHeader();
        if (header) await mark(tx, header);
        return work(tx);
      }),
    close: () => db.close(),
  };
}
