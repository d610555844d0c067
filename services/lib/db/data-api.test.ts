import {
  BadRequestException,
  BatchExecuteStatementCommand,
  BeginTransactionCommand,
  CommitTransactionCommand,
  DatabaseErrorException,
  DatabaseResumingException,
  ExecuteStatementCommand,
  InternalServerErrorException,
  type RDSDataClient,
  RollbackTransactionCommand,
  ServiceUnavailableError,
  StatementTimeoutException,
  TransactionNotFoundException,
} from '@aws-sdk/client-rds-data';
import { describe, expect, it } from 'vitest';
import { DatabaseError, DependencyError } from '../errors.ts';
import {
  dataApiDb,
  normaliseValue,
  parseDataApiMessage,
  toDbError,
  toParameters,
  toRows,
  toSqlParameter,
} from './data-api.ts';
import { sql } from './port.ts';

const $metadata = { httpStatusCode: 400 };

describe('toSqlParameter', () => {
  it.each([
    ['null', null, { isNull: true }, undefined],
    ['a string', 'text', { stringValue: 'text' }, undefined],
    ['an integer', 42, { longValue: 42 }, undefined],
    ['a negative integer', -7, { longValue: -7 }, undefined],
    ['a fraction', 2.5, { doubleValue: 2.5 }, undefined],
    ['a bigint', 12n, { longValue: 12 }, undefined],
    ['true', true, { booleanValue: true }, undefined],
    ['false', false, { booleanValue: false }, undefined],
    ['a Date', new Date('2024-05-01T20:15:00.123Z'), { stringValue: '2024-05-01 20:15:00.123' }, 'TIMESTAMP'],
    ['an object', { a: [1, null] }, { stringValue: '{"a":[1,null]}' }, 'JSON'],
    ['an array', ['x', 2], { stringValue: '["x",2]' }, 'JSON'],
    [
      'sql.uuid',
      sql.uuid('0b0e8f7e-4c1a-4c6e-9a53-3f0f5c1d2e4f'),
      { stringValue: '0b0e8f7e-4c1a-4c6e-9a53-3f0f5c1d2e4f' },
      'UUID',
    ],
    ['sql.decimal', sql.decimal(1.5), { stringValue: '1.5' }, 'DECIMAL'],
    ['sql.json', sql.json({ a: 'b' }), { stringValue: '{"a":"b"}' }, 'JSON'],
    ['sql.date', sql.date('2024-02-29'), { stringValue: '2024-02-29' }, 'DATE'],
    ['sql.date of a Date', sql.date(new Date('2024-02-29T10:00:00Z')), { stringValue: '2024-02-29' }, 'DATE'],
    [
      'sql.timestamp of a Date',
      sql.timestamp(new Date('2024-05-01T20:15:00Z')),
      { stringValue: '2024-05-01 20:15:00.000' },
      'TIMESTAMP',
    ],
    [
      'sql.timestamp with an offset',
      sql.timestamp('2024-05-01T22:15:00+02:00'),
      { stringValue: '2024-05-01 20:15:00.000' },
      'TIMESTAMP',
    ],
    [
      'sql.timestamp without a zone',
      sql.timestamp('2024-05-01T20:15:00.5'),
      { stringValue: '2024-05-01 20:15:00.5' },
      'TIMESTAMP',
    ],
    [
      'sql.timestamp of a day',
      sql.timestamp('2024-05-01'),
      { stringValue: '2024-05-01 00:00:00' },
      'TIMESTAMP',
    ],
    ['a typed null', sql.uuid(null), { isNull: true }, undefined],
  ])('sends %s as the Data API expects', (_, value, field, typeHint) => {
    expect(toSqlParameter('p', value)).toEqual({
      name: 'p',
      value: field,
      ...(typeHint ? { typeHint } : {}),
    });
  });
});

describe('toParameters', () => {
  it('sends only the parameters the statement uses, once each', () => {
    expect(toParameters('SELECT :a, :a, :b', { a: 1, b: 'x', unused: true })).toEqual([
      { name: 'a', value: { longValue: 1 } },
      { name: 'b', value: { stringValue: 'x' } },
    ]);
  });

  it('refuses a parameter without a value before anything is sent', () => {
    expect(() => toParameters('SELECT :a, :b', { a: 1 })).toThrow(
      new DatabaseError('SQL parameter :b has no value'),
    );
    expect(() => toParameters('SELECT :a', { a: undefined })).toThrow(DatabaseError);
  });

  it('does not take colons in literals or casts for parameters', () => {
    expect(toParameters("SELECT '10:30', :a::int", { a: '5' })).toEqual([
      { name: 'a', value: { stringValue: '5' } },
    ]);
  });
});

describe('toRows', () => {
  it('normalises JSON records by the column metadata', () => {
    const rows = toRows({
      formattedRecords: JSON.stringify([
        {
          at: '2024-05-01 20:15:00.123456',
          doc: '{"a":[1]}',
          n: 5,
          dec: '1.50',
          tags: ['a'],
          day: '2024-02-29',
        },
        { at: null, doc: null, n: null, dec: null, tags: null, day: null },
      ]),
      columnMetadata: [
        { name: 'at', typeName: 'timestamptz' },
        { name: 'doc', typeName: 'jsonb' },
        { name: 'n', typeName: 'int8' },
        { name: 'dec', typeName: 'numeric' },
        { name: 'tags', typeName: '_text' },
        { name: 'day', typeName: 'date' },
      ],
    });
    expect(rows).toEqual([
      { at: '2024-05-01T20:15:00.123Z', doc: { a: [1] }, n: 5, dec: '1.50', tags: ['a'], day: '2024-02-29' },
      { at: null, doc: null, n: null, dec: null, tags: null, day: null },
    ]);
  });

  it('returns no rows when the statement returned no result set', () => {
    expect(toRows({})).toEqual([]);
    expect(toRows({ formattedRecords: '' })).toEqual([]);
    expect(toRows({ formattedRecords: '[]', columnMetadata: [] })).toEqual([]);
  });
});

describe('normaliseValue', () => {
  it.each([
    ['2024-05-01 20:15:00', 'timestamp', '2024-05-01T20:15:00.000Z'],
    ['2024-05-01 20:15:00.1', 'timestamptz', '2024-05-01T20:15:00.100Z'],
    ['{"a":1}', 'json', { a: 1 }],
    ['"text"', 'jsonb', 'text'],
    ['12', 'int8', 12],
    [12, 'int8', 12],
    [1.5, 'numeric', '1.5'],
    ['1.50', 'numeric', '1.50'],
    ['0.25', 'float8', 0.25],
    [['2024-05-01 20:15:00', null], '_timestamptz', ['2024-05-01T20:15:00.000Z', null]],
    [['{"a":1}'], '_jsonb', [{ a: 1 }]],
    ['0b0e8f7e-4c1a-4c6e-9a53-3f0f5c1d2e4f', 'uuid', '0b0e8f7e-4c1a-4c6e-9a53-3f0f5c1d2e4f'],
    [true, 'bool', true],
    [undefined, 'text', null],
  ])('normalises %j of type %s', (value, typeName, expected) => {
    expect(normaliseValue(value, typeName)).toEqual(expected);
  });
});

describe('parseDataApiMessage', () => {
  it('splits the PostgreSQL message from its SQLState', () => {
    expect(
      parseDataApiMessage(
        'ERROR: duplicate key value violates unique constraint "t_pkey"\n  Detail: Key (id)=(1) already exists.; SQLState: 23505',
      ),
    ).toEqual({ message: 'duplicate key value violates unique constraint "t_pkey"', sqlState: '23505' });
    expect(
      parseDataApiMessage('ERROR: syntax error at or near "SELEC"\n  Position: 1; SQLState: 42601'),
    ).toEqual({
      message: 'syntax error at or near "SELEC"',
      sqlState: '42601',
    });
  });

  it('takes the SQLState at the end, not one quoted in the detail', () => {
    expect(
      parseDataApiMessage(
        'ERROR: insert or update on table "c" violates foreign key constraint "fk"\n  Detail: Key (p)=(x; SQLState: 23505) is not present.; SQLState: 23503',
      ).sqlState,
    ).toBe('23503');
  });

  it('keeps a message without a SQLState whole', () => {
    expect(parseDataApiMessage('Transaction abc is not found')).toEqual({
      message: 'Transaction abc is not found',
    });
  });
});

describe('toDbError', () => {
  it('maps SQL errors to DatabaseError with the SQLState', () => {
    for (const error of [
      new BadRequestException({ $metadata, message: 'ERROR: division by zero; SQLState: 22012' }),
      new DatabaseErrorException({ $metadata, message: 'ERROR: division by zero; SQLState: 22012' }),
    ]) {
      const mapped = toDbError(error);
      expect(mapped).toBeInstanceOf(DatabaseError);
      expect(mapped).toMatchObject({ message: 'division by zero', sqlState: '22012', cause: error });
    }
  });

  it('maps an unknown transaction to a DatabaseError without a SQLState', () => {
    for (const error of [
      new BadRequestException({ $metadata, message: 'Transaction abc is not found' }),
      new TransactionNotFoundException({ $metadata, message: 'Transaction abc is not found' }),
    ]) {
      const mapped = toDbError(error);
      expect(mapped).toBeInstanceOf(DatabaseError);
      expect((mapped as DatabaseError).sqlState).toBeUndefined();
    }
  });

  it('maps outages, timeouts and server faults to DependencyError', () => {
    const errors = [
      new StatementTimeoutException({ $metadata, message: 'timed out', dbConnectionId: 1 }),
      new ServiceUnavailableError({ $metadata: { httpStatusCode: 503 }, message: '' }),
      new InternalServerErrorException({ $metadata: { httpStatusCode: 500 }, message: '' }),
      new DatabaseResumingException({ $metadata, message: 'resuming' }),
      new BadRequestException({ $metadata, message: 'Communications link failure' }),
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:443'), { code: 'ECONNREFUSED' }),
      'a thrown string',
    ];
    for (const error of errors) expect(toDbError(error)).toBeInstanceOf(DependencyError);
  });

  it('passes the port’s own errors through', () => {
    const error = new DatabaseError('SQL parameter :x has no value');
    expect(toDbError(error)).toBe(error);
  });
});

/** A client double that records commands and answers from `answer`. */
function fakeClient(answer: (command: object) => unknown = () => ({})) {
  const sent: object[] = [];
  const client = {
    send: async (command: object) => {
      sent.push(command);
      const result = answer(command);
      if (result instanceof Error) throw result;
      return result;
    },
  } as unknown as RDSDataClient;
  const names = () => sent.map((command) => command.constructor.name.replace('Command', ''));
  return { client, sent, names };
}

const target = { resourceArn: 'arn:cluster', secretArn: 'arn:secret', database: 'db' };

describe('dataApiDb over a client double', () => {
  it('asks for JSON records with metadata and returns numberOfRecordsUpdated from execute', async () => {
    const { client, sent } = fakeClient(() => ({ numberOfRecordsUpdated: 3 }));
    expect(await dataApiDb({ client, ...target }).execute('UPDATE t SET a = :a', { a: 1 })).toBe(3);
    expect(sent[0]).toBeInstanceOf(ExecuteStatementCommand);
    expect((sent[0] as ExecuteStatementCommand).input).toEqual({
      ...target,
      sql: 'UPDATE t SET a = :a',
      parameters: [{ name: 'a', value: { longValue: 1 } }],
      transactionId: undefined,
      formatRecordsAs: 'JSON',
      includeResultMetadata: true,
    });
  });

  it('sends a small batch as one call and a large one in chunks inside a transaction', async () => {
    const { client, sent, names } = fakeClient((command) =>
      command instanceof BeginTransactionCommand ? { transactionId: 'tx-1' } : {},
    );
    const db = dataApiDb({ client, ...target });
    await db.batch('INSERT INTO t VALUES (:id)', [{ id: 1 }, { id: 2 }]);
    expect(names()).toEqual(['BatchExecuteStatement']);

    sent.length = 0;
    await db.batch(
      'INSERT INTO t VALUES (:id)',
      Array.from({ length: 2500 }, (_, id) => ({ id })),
    );
    expect(names()).toEqual([
      'BeginTransaction',
      'BatchExecuteStatement',
      'BatchExecuteStatement',
      'BatchExecuteStatement',
      'CommitTransaction',
    ]);
    const batches = sent.filter((command) => command instanceof BatchExecuteStatementCommand);
    expect(batches.map((command) => command.input.parameterSets?.length)).toEqual([1000, 1000, 500]);
    expect(batches.every((command) => command.input.transactionId === 'tx-1')).toBe(true);

    sent.length = 0;
    await db.batch('INSERT INTO t VALUES (:id)', []);
    expect(sent).toEqual([]);
  });

  it('rolls back and rethrows when the work fails, even if the rollback finds nothing', async () => {
    const { client, names } = fakeClient((command) => {
      if (command instanceof BeginTransactionCommand) return { transactionId: 'tx-2' };
      if (command instanceof RollbackTransactionCommand) {
        return new BadRequestException({ $metadata, message: 'Transaction tx-2 is not found' });
      }
      return {};
    });
    const boom = new Error('boom');
    await expect(
      dataApiDb({ client, ...target }).transaction(async (tx) => {
        await tx.execute('DELETE FROM t');
        throw boom;
      }),
    ).rejects.toBe(boom);
    expect(names()).toEqual(['BeginTransaction', 'ExecuteStatement', 'RollbackTransaction']);
  });

  it('sends one call at a time within a transaction', async () => {
    let running = 0;
    let most = 0;
    const client = {
      send: async (command: object) => {
        if (command instanceof BeginTransactionCommand) return { transactionId: 'tx-3' };
        if (command instanceof CommitTransactionCommand) return {};
        running++;
        most = Math.max(most, running);
        await new Promise((resolve) => setTimeout(resolve, 5));
        running--;
        return { numberOfRecordsUpdated: 1 };
      },
    } as unknown as RDSDataClient;
    const counts = await dataApiDb({ client, ...target }).transaction((tx) =>
      Promise.all([1, 2, 3].map((id) => tx.execute('INSERT INTO t VALUES (:id)', { id }))),
    );
    expect(counts).toEqual([1, 1, 1]);
    expect(most).toBe(1);
  });

  it('reports a missing parameter without calling the Data API', async () => {
    const { client, sent } = fakeClient();
    await expect(dataApiDb({ client, ...target }).query('SELECT :a')).rejects.toBeInstanceOf(DatabaseError);
    expect(sent).toEqual([]);
  });
});
