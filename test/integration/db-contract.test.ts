import { randomUUID } from 'node:crypto';
import {
  BadRequestException,
  BeginTransactionCommand,
  ExecuteStatementCommand,
  RDSDataClient,
} from '@aws-sdk/client-rds-data';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dataApiDb } from '#lib/db/data-api';
import { pgDb } from '#lib/db/pg';
import { type Db, sql } from '#lib/db/port';
import { DatabaseError } from '#lib/errors';
import { startDataApiServer } from '#test/support/data-api-server';

/**
 * One contract for both `Db` adapters: pg straight to PostgreSQL, and the Data API adapter through
 * the real AWS SDK against a local Data API endpoint served over the same PostgreSQL.
 */
const target = {
  resourceArn: 'arn:aws:rds:us-east-1:123456789012:cluster:contract',
  secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:contract',
  database: 'postgres',
};

function sdkClient(endpoint: string): RDSDataClient {
  return new RDSDataClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
}

interface Adapter {
  name: string;
  open(databaseUrl: string): Promise<{ db: Db; stop(): Promise<void> }>;
}

const adapters: Adapter[] = [
  {
    name: 'pg',
    async open(databaseUrl) {
      const db = pgDb({ connectionString: databaseUrl });
      return { db, stop: () => db.close() };
    },
  },
  {
    name: 'data-api',
    async open(databaseUrl) {
      const server = await startDataApiServer({ databaseUrl });
      const client = sdkClient(server.url);
      const db = dataApiDb({ client, ...target });
      return {
        db,
        async stop() {
          await db.close();
          client.destroy();
          await server.stop();
        },
      };
    },
  },
];

async function caught(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected the promise to reject');
}

describe.each(adapters)('Db contract: $name adapter', (adapter) => {
  let db: Db;
  let stop: () => Promise<void>;
  const tables: string[] = [];

  beforeAll(async () => {
    ({ db, stop } = await adapter.open(inject('databaseUrl')));
  });

  afterAll(async () => {
    for (const table of tables) await db.execute(`DROP TABLE IF EXISTS ${table}`);
    await stop();
  });

  /** A fresh table of this test's own: `items(id int primary key, label text)` unless told otherwise. */
  async function table(columns = 'id int PRIMARY KEY, label text'): Promise<string> {
    const name = `contract_${adapter.name.replace('-', '_')}_${randomUUID().slice(0, 8)}`;
    await db.execute(`CREATE TABLE ${name} (${columns})`);
    tables.push(name);
    return name;
  }

  async function count(name: string): Promise<number> {
    const [row] = await db.query<{ n: number }>(`SELECT count(*) AS n FROM ${name}`);
    return row?.n ?? -1;
  }

  it('binds every kind of parameter and reads every column type back normalised', async () => {
    const name = await table(`
      id uuid PRIMARY KEY, big int8, amount numeric(12, 2), flag bool, at timestamptz, local_at timestamp,
      day date, doc jsonb, raw json, tags text[], counts int8[], label text, ratio float8`);
    const id = randomUUID();
    const doc = { nested: { list: [1, 'two', null], ok: true }, quote: `it's "quoted"` };
    const inserted = await db.execute(
      `INSERT INTO ${name} (id, big, amount, flag, at, local_at, day, doc, raw, tags, counts, label, ratio)
       VALUES (:id, :big, :amount, :flag, :at, :localAt, :day, :doc, :raw,
               ARRAY(SELECT jsonb_array_elements_text(:tags::jsonb)), ARRAY[:big, :small]::int8[], :label, :ratio)`,
      {
        id: sql.uuid(id),
        big: 9_007_199_254_740_991,
        small: 7n,
        amount: sql.decimal('1234.50'),
        flag: true,
        at: new Date('2024-05-01T20:15:00.123Z'),
        localAt: sql.timestamp('2024-05-01T22:15:00.5+02:00'),
        day: sql.date('2024-02-29'),
        doc,
        raw: sql.json([1, { two: 2 }]),
        tags: ['a', 'b c', '{x}', 'd,e'],
        label: 'plain',
        ratio: 0.25,
      },
    );
    expect(inserted).toBe(1);

    const rows = await db.query(`SELECT * FROM ${name} WHERE id = :id`, { id: sql.uuid(id) });
    expect(rows).toEqual([
      {
        id,
        big: 9_007_199_254_740_991,
        amount: '1234.50',
        flag: true,
        at: '2024-05-01T20:15:00.123Z',
        local_at: '2024-05-01T20:15:00.500Z',
        day: '2024-02-29',
        doc,
        raw: [1, { two: 2 }],
        tags: ['a', 'b c', '{x}', 'd,e'],
        counts: [9_007_199_254_740_991, 7],
        label: 'plain',
        ratio: 0.25,
      },
    ]);
  });

  it('reads SQL nulls as null and binds null and typed-null parameters', async () => {
    const name = await table(
      'id int PRIMARY KEY, u uuid, at timestamptz, doc jsonb, tags text[], amount numeric',
    );
    await db.execute(`INSERT INTO ${name} VALUES (1, :u, :at, :doc, NULL, :amount)`, {
      u: sql.uuid(null),
      at: null,
      doc: sql.json(undefined),
      amount: sql.decimal(null),
    });
    expect(await db.query(`SELECT * FROM ${name}`)).toEqual([
      { id: 1, u: null, at: null, doc: null, tags: null, amount: null },
    ]);
  });

  it('binds untyped values with the same types on both adapters', async () => {
    const [row] = await db.query(
      'SELECT :n AS n, :d AS d, :s AS s, :b AS b, :big AS big, :when AS when_at, :obj AS obj, :list AS list',
      {
        n: 42,
        d: 2.5,
        s: 'text',
        b: false,
        big: 12n,
        when: new Date('2030-01-02T03:04:05.006Z'),
        obj: { a: 1 },
        list: [1, 'x'],
      },
    );
    expect(row).toEqual({
      n: 42,
      d: 2.5,
      s: 'text',
      b: false,
      big: 12,
      when_at: '2030-01-02T03:04:05.006Z',
      obj: { a: 1 },
      list: [1, 'x'],
    });
  });

  it('binds a plain string as varchar: a uuid column needs sql.uuid, as on Aurora', async () => {
    const name = await table('id uuid PRIMARY KEY');
    const id = randomUUID();
    const error = await caught(db.execute(`INSERT INTO ${name} (id) VALUES (:id)`, { id }));
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as DatabaseError).sqlState).toBe('42804'); // column is of type uuid but expression is varchar
    await db.execute(`INSERT INTO ${name} (id) VALUES (:id)`, { id: sql.uuid(id) });
    expect(await db.query(`SELECT id FROM ${name} WHERE id = :id::uuid`, { id })).toEqual([{ id }]);
  });

  it('substitutes a named parameter used twice', async () => {
    const rows = await db.query(`SELECT :word || '-' || :word AS twice, :n + :n AS sum`, {
      word: 'ab',
      n: 20,
    });
    expect(rows).toEqual([{ twice: 'ab-ab', sum: 40 }]);
  });

  it('leaves :: casts, string literals, quoted identifiers, dollar quotes and comments alone', async () => {
    const rows = await db.query(
      `SELECT '10:30'::text AS clock, 'has :notParam' AS lit, E'it\\'s :e' AS esc, $$ :dollar $$ AS body,
              :n::int4 AS n, 1 AS "col:on" -- :line
              /* :block /* :nested */ */`,
      { n: '5' },
    );
    expect(rows).toEqual([
      { clock: '10:30', lit: 'has :notParam', esc: "it's :e", body: ' :dollar ', n: 5, 'col:on': 1 },
    ]);
  });

  it('counts the rows an insert, update and delete change', async () => {
    const name = await table();
    expect(await db.execute(`INSERT INTO ${name} VALUES (1, 'a'), (2, 'b'), (3, 'c')`)).toBe(3);
    expect(
      await db.execute(`UPDATE ${name} SET label = :label WHERE id >= :from`, { label: 'z', from: 2 }),
    ).toBe(2);
    expect(await db.execute(`UPDATE ${name} SET label = 'q' WHERE id = 99`)).toBe(0);
    expect(await db.execute(`DELETE FROM ${name} WHERE id = :id`, { id: 1 })).toBe(1);
    expect(await db.query(`SELECT id, label FROM ${name} ORDER BY id`)).toEqual([
      { id: 2, label: 'z' },
      { id: 3, label: 'z' },
    ]);
  });

  it('returns the rows of an insert with RETURNING', async () => {
    const name = await table('id serial PRIMARY KEY, label text');
    const rows = await db.query(`INSERT INTO ${name} (label) VALUES (:label) RETURNING id, label`, {
      label: 'x',
    });
    expect(rows).toEqual([{ id: 1, label: 'x' }]);
  });

  it('runs a batch, one statement per parameter set', async () => {
    const name = await table();
    await db.batch(`INSERT INTO ${name} (id, label) VALUES (:id, :label)`, [
      { id: 1, label: 'one' },
      { id: 2, label: null },
      { id: 3, label: `'); DROP TABLE ${name}; --` },
    ]);
    expect(await db.query(`SELECT id, label FROM ${name} ORDER BY id`)).toEqual([
      { id: 1, label: 'one' },
      { id: 2, label: null },
      { id: 3, label: `'); DROP TABLE ${name}; --` },
    ]);
    await db.batch(`INSERT INTO ${name} (id) VALUES (:id)`, []);
    expect(await count(name)).toBe(3);
  });

  it('runs a large batch in several calls, all of it', async () => {
    const name = await table();
    const sets = Array.from({ length: 2500 }, (_, i) => ({ id: i, label: `row ${i}` }));
    await db.batch(`INSERT INTO ${name} (id, label) VALUES (:id, :label)`, sets);
    expect(await count(name)).toBe(2500);
  });

  it('writes nothing of a batch that fails part-way', async () => {
    const name = await table();
    const sets = Array.from({ length: 1500 }, (_, i) => ({ id: i === 1499 ? 0 : i, label: 'x' }));
    const error = await caught(db.batch(`INSERT INTO ${name} (id, label) VALUES (:id, :label)`, sets));
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as DatabaseError).sqlState).toBe('23505');
    const small = await caught(db.batch(`INSERT INTO ${name} (id) VALUES (:id)`, [{ id: 1 }, { id: 1 }]));
    expect((small as DatabaseError).sqlState).toBe('23505');
    expect(await count(name)).toBe(0);
  });

  it('commits a transaction: its writes are invisible outside until it ends, then visible', async () => {
    const name = await table();
    const result = await db.transaction(async (tx) => {
      await tx.execute(`INSERT INTO ${name} VALUES (:id, :label)`, { id: 1, label: 'in tx' });
      await tx.batch(`INSERT INTO ${name} (id) VALUES (:id)`, [{ id: 2 }, { id: 3 }]);
      const inside = await tx.query<{ n: number }>(`SELECT count(*) AS n FROM ${name}`);
      const outside = await count(name);
      return { inside: inside[0]?.n, outside };
    });
    expect(result).toEqual({ inside: 3, outside: 0 });
    expect(await count(name)).toBe(3);
  });

  it('runs statements issued at once inside a transaction', async () => {
    const name = await table();
    await db.transaction((tx) =>
      Promise.all([1, 2, 3, 4, 5].map((id) => tx.execute(`INSERT INTO ${name} (id) VALUES (:id)`, { id }))),
    );
    expect(await count(name)).toBe(5);
  });

  it('rolls back a transaction whose work throws, and rethrows that error', async () => {
    const name = await table();
    const boom = new Error('work failed');
    const error = await caught(
      db.transaction(async (tx) => {
        await tx.execute(`INSERT INTO ${name} VALUES (1, 'doomed')`);
        throw boom;
      }),
    );
    expect(error).toBe(boom);
    expect(await count(name)).toBe(0);
  });

  it('rolls back a transaction whose statement fails', async () => {
    const name = await table();
    const error = await caught(
      db.transaction(async (tx) => {
        await tx.execute(`INSERT INTO ${name} VALUES (1, 'first')`);
        await tx.execute(`INSERT INTO ${name} VALUES (1, 'duplicate')`);
      }),
    );
    expect(error).toBeInstanceOf(DatabaseError);
    expect((error as DatabaseError).sqlState).toBe('23505');
    expect(await count(name)).toBe(0);
  });

  it('reports a syntax error as a DatabaseError with SQLSTATE 42601', async () => {
    const error = await caught(db.query('SELEC 1'));
    expect(error).toBeInstanceOf(DatabaseError);
    expect(error).toMatchObject({ sqlState: '42601', message: expect.stringContaining('syntax error') });
  });

  it('reports a unique violation as SQLSTATE 23505 and keeps the first row only', async () => {
    const name = await table();
    await db.execute(`INSERT INTO ${name} VALUES (:id, :label)`, { id: 1, label: 'first' });
    const error = await caught(
      db.execute(`INSERT INTO ${name} VALUES (:id, :label)`, { id: 1, label: 'second' }),
    );
    expect(error).toBeInstanceOf(DatabaseError);
    expect(error).toMatchObject({
      sqlState: '23505',
      message: expect.stringContaining('duplicate key value violates unique constraint'),
    });
    expect(await db.query(`SELECT label FROM ${name}`)).toEqual([{ label: 'first' }]);
  });

  it('refuses a statement with a parameter that has no value', async () => {
    await expect(db.query('SELECT :present AS p, :absent AS a', { present: 1 })).rejects.toThrow(
      new DatabaseError('SQL parameter :absent has no value'),
    );
    await expect(db.query('SELECT :x AS x', { x: undefined })).rejects.toBeInstanceOf(DatabaseError);
    await expect(db.query("SELECT 'unterminated")).rejects.toBeInstanceOf(DatabaseError);
  });

  it('stores hostile input verbatim', async () => {
    const name = await table();
    const hostile = `'); DROP TABLE ${name}; -- :label $1 $$ \\' "x" ☃`;
    await db.execute(`INSERT INTO ${name} VALUES (1, :label)`, { label: hostile });
    expect(await db.query(`SELECT label FROM ${name} WHERE label = :label`, { label: hostile })).toEqual([
      { label: hostile },
    ]);
    expect(await count(name)).toBe(1);
  });

  it('round-trips a 1 MB text value', async () => {
    const name = await table();
    // 1,000,000 bytes of UTF-8: within the Data API's 1 MiB response limit, JSON quoting included.
    const big = 'ünïcødé 🎤 '.repeat(5_000) + 'x'.repeat(915_000);
    expect(Buffer.byteLength(big)).toBe(1_000_000);
    await db.execute(`INSERT INTO ${name} VALUES (1, :big)`, { big });
    const [row] = await db.query<{ label: string; chars: number }>(
      `SELECT label, char_length(label) AS chars FROM ${name}`,
    );
    expect(row?.chars).toBe([...big].length);
    expect(row?.label === big).toBe(true);
  });
});

describe('Data API endpoint as the SDK sees it', () => {
  let server: Awaited<ReturnType<typeof startDataApiServer>>;
  let client: RDSDataClient;

  beforeAll(async () => {
    server = await startDataApiServer({ databaseUrl: inject('databaseUrl') });
    client = sdkClient(server.url);
  });

  afterAll(async () => {
    client.destroy();
    await server.stop();
  });

  it('answers bad SQL with BadRequestException carrying the PostgreSQL message and SQLState', async () => {
    const error = await caught(client.send(new ExecuteStatementCommand({ ...target, sql: 'SELEC 1' })));
    expect(error).toBeInstanceOf(BadRequestException);
    expect((error as BadRequestException).message).toBe(
      'ERROR: syntax error at or near "SELEC"\n  Position: 1; SQLState: 42601',
    );
    expect((error as BadRequestException).$metadata.httpStatusCode).toBe(400);
  });

  it('answers an unknown transaction id with BadRequestException', async () => {
    const transactionId = 'AQC0bm90LWEtcmVhbC10cmFuc2FjdGlvbg==';
    const error = await caught(
      client.send(new ExecuteStatementCommand({ ...target, sql: 'SELECT 1', transactionId })),
    );
    expect(error).toBeInstanceOf(BadRequestException);
    expect((error as Error).message).toBe(`Transaction ${transactionId} is not found`);
  });

  it('ends a transaction whose statement failed, as the Data API does', async () => {
    const { transactionId } = await client.send(new BeginTransactionCommand(target));
    await caught(client.send(new ExecuteStatementCommand({ ...target, sql: 'SELECT 1/0', transactionId })));
    const error = await caught(
      client.send(new ExecuteStatementCommand({ ...target, sql: 'SELECT 1', transactionId })),
    );
    expect((error as Error).message).toBe(`Transaction ${transactionId} is not found`);
  });

  it('rolls back a transaction left idle too long and forgets it', async () => {
    const brief = await startDataApiServer({ databaseUrl: inject('databaseUrl'), transactionTimeoutMs: 50 });
    const briefClient = sdkClient(brief.url);
    try {
      const { transactionId } = await briefClient.send(new BeginTransactionCommand(target));
      await new Promise((resolve) => setTimeout(resolve, 200));
      const error = await caught(
        briefClient.send(new ExecuteStatementCommand({ ...target, sql: 'SELECT 1', transactionId })),
      );
      expect((error as Error).message).toBe(`Transaction ${transactionId} is not found`);
    } finally {
      briefClient.destroy();
      await brief.stop();
    }
  });

  it('refuses more than one statement in a call', async () => {
    const error = await caught(
      client.send(new ExecuteStatementCommand({ ...target, sql: 'SELECT 1; SELECT 2' })),
    );
    expect(error).toBeInstanceOf(BadRequestException);
    const single = await client.send(
      new ExecuteStatementCommand({ ...target, sql: "SELECT ';' AS semi; -- done", formatRecordsAs: 'JSON' }),
    );
    expect(JSON.parse(single.formattedRecords ?? '')).toEqual([{ semi: ';' }]);
  });

  it('refuses a TIMESTAMP hint whose text is not YYYY-MM-DD HH:MM:SS[.fff]', async () => {
    const parameters = [
      { name: 't', value: { stringValue: '2024-05-01T20:15:00Z' }, typeHint: 'TIMESTAMP' as const },
    ];
    const error = await caught(
      client.send(new ExecuteStatementCommand({ ...target, sql: 'SELECT :t', parameters })),
    );
    expect(error).toBeInstanceOf(BadRequestException);
  });

  it('returns JSON records with column metadata the way the Data API formats them', async () => {
    const output = await client.send(
      new ExecuteStatementCommand({
        ...target,
        sql: `SELECT 9007199254740991::int8 AS big, 1.50::numeric AS dec, '{"a": 1}'::jsonb AS doc,
                     '2024-05-01 20:15:00.123456+00'::timestamptz AS at, ARRAY['x', NULL] AS tags, true AS ok`,
        formatRecordsAs: 'JSON',
        includeResultMetadata: true,
      }),
    );
    expect(JSON.parse(output.formattedRecords ?? '')).toEqual([
      {
        big: 9007199254740991,
        dec: '1.50',
        doc: '{"a": 1}',
        at: '2024-05-01 20:15:00.123456',
        tags: ['x', null],
        ok: true,
      },
    ]);
    expect(output.columnMetadata?.map((column) => column.typeName)).toEqual([
      'int8',
      'numeric',
      'jsonb',
      'timestamptz',
      '_text',
      'bool',
    ]);
    expect(output.numberOfRecordsUpdated).toBe(0);
  });

  it('refuses a result over the 1 MiB response limit, which the adapter reports as a DatabaseError', async () => {
    const raw = await caught(
      client.send(
        new ExecuteStatementCommand({
          ...target,
          sql: "SELECT repeat('x', 1100000) AS big",
          formatRecordsAs: 'JSON',
        }),
      ),
    );
    expect(raw).toBeInstanceOf(BadRequestException);
    const db = dataApiDb({ client, ...target });
    await expect(db.query("SELECT repeat('x', 1100000) AS big")).rejects.toBeInstanceOf(DatabaseError);
  });

  it('maps DatabaseErrorException (Aurora Serverless v2 and provisioned) like BadRequestException', async () => {
    const v2 = await startDataApiServer({
      databaseUrl: inject('databaseUrl'),
      sqlErrorType: 'DatabaseErrorException',
    });
    const v2Client = sdkClient(v2.url);
    try {
      const raw = await caught(v2Client.send(new ExecuteStatementCommand({ ...target, sql: 'SELECT 1/0' })));
      expect((raw as Error).name).toBe('DatabaseErrorException');
      const db = dataApiDb({ client: v2Client, ...target });
      const error = await caught(db.query('SELECT 1/0'));
      expect(error).toBeInstanceOf(DatabaseError);
      expect(error).toMatchObject({ sqlState: '22012', message: 'division by zero' });
    } finally {
      v2Client.destroy();
      await v2.stop();
    }
  });
});
