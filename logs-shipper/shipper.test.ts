import { describe, expect, it } from 'vitest';
import { createLogger } from '#lib/log';
import { encodeSubscriptionEvent } from './decode.ts';
import type { LogDocument } from './documents.ts';
import type { DeadLetter, IndexOutcome, LogIndex } from './ports.ts';
import { backoffMs, createLogsShipper, type RetryPolicy } from './shipper.ts';

const log = createLogger({ serviceName: 'logs-shipper', level: 'SILENT', environment: 'test' });
const retry: RetryPolicy = { maxAttempts: 3, baseDelayMs: 100, maxDelayMs: 1000 };

const delivery = (count: number) =>
  encodeSubscriptionEvent({
    messageType: 'DATA_MESSAGE',
    owner: '123456789012',
    logGroup: '/aws/lambda/karaoke-suite-dev-bff',
    logStream: 'stream',
    subscriptionFilters: ['logs'],
    logEvents: Array.from({ length: count }, (_, n) => ({
      id: `event-${n}`,
      timestamp: 1_735_689_600_000 + n,
      message: `line ${n}`,
    })),
  });

/** An index that answers each document by id from a script of outcomes, one per attempt. */
function scriptedIndex(script: Record<string, IndexOutcome[]>) {
  const calls: string[][] = [];
  const index: LogIndex = {
    async create(documents: LogDocument[]) {
      calls.push(documents.map((document) => document.id));
      return documents.map((document) => script[document.id]?.shift() ?? { result: 'created' });
    },
  };
  return { index, calls };
}

function setup(index: LogIndex) {
  const letters: DeadLetter[] = [];
  const waits: number[] = [];
  const ship = createLogsShipper({
    index,
    deadLetters: { send: async (sent) => void letters.push(...sent) },
    log,
    indexPrefix: 'karaoke-logs',
    maxPayloadBytes: 1024 * 1024,
    retry,
    sleep: async (ms) => void waits.push(ms),
    random: () => 1,
  });
  return { ship, letters, waits };
}

const overloaded: IndexOutcome = {
  result: 'failed',
  retryable: true,
  status: 429,
  reason: 'es_rejected_execution',
};
const unavailable: IndexOutcome = { result: 'failed', retryable: true, status: 503, reason: 'unavailable' };
const conflict: IndexOutcome = {
  result: 'failed',
  retryable: false,
  status: 400,
  reason: 'mapper_parsing_exception',
};

describe('createLogsShipper', () => {
  it('retries only the documents Elasticsearch turned away, with growing waits', async () => {
    const { index, calls } = scriptedIndex({ 'event-1': [overloaded, overloaded], 'event-3': [overloaded] });
    const { ship, letters, waits } = setup(index);
    const report = await ship(delivery(5));
    expect(report).toMatchObject({ kind: 'data', events: 5, indexed: 5, deadLettered: 0, attempts: 3 });
    expect(calls).toEqual([
      ['event-0', 'event-1', 'event-2', 'event-3', 'event-4'],
      ['event-1', 'event-3'],
      ['event-1'],
    ]);
    expect(waits).toEqual([100, 200]);
    expect(letters).toEqual([]);
  });

  it('counts a document already indexed by an earlier delivery as shipped', async () => {
    const { index } = scriptedIndex({ 'event-0': [{ result: 'duplicate' }] });
    const { ship, letters } = setup(index);
    expect(await ship(delivery(2))).toMatchObject({ indexed: 1, duplicates: 1, deadLettered: 0 });
    expect(letters).toEqual([]);
  });

  it('dead-letters a refusal that cannot pass at once, and a retryable one after the last attempt', async () => {
    const { index, calls } = scriptedIndex({
      'event-0': [conflict],
      'event-2': [unavailable, unavailable, unavailable],
    });
    const { ship, letters } = setup(index);
    const report = await ship(delivery(3));
    expect(report).toMatchObject({ indexed: 1, deadLettered: 2, attempts: 3 });
    expect(calls.slice(1)).toEqual([['event-2'], ['event-2']]);
    expect(letters).toEqual([
      expect.objectContaining({ kind: 'log-event', id: 'event-0', status: 400, message: 'line 0' }),
      expect.objectContaining({ kind: 'log-event', id: 'event-2', status: 503, reason: 'unavailable' }),
    ]);
  });

  it('treats an index that throws as every document failing, retryably', async () => {
    let attempts = 0;
    const { ship, letters } = setup({
      create: async () => {
        attempts++;
        throw new Error('connect ECONNREFUSED');
      },
    });
    const report = await ship(delivery(2));
    expect(attempts).toBe(3);
    expect(report).toMatchObject({ indexed: 0, deadLettered: 2 });
    expect(letters[0]).toMatchObject({ status: 0, reason: expect.stringContaining('ECONNREFUSED') });
  });

  it('dead-letters an undecodable delivery whole instead of failing', async () => {
    const { index, calls } = scriptedIndex({});
    const { ship, letters } = setup(index);
    expect(await ship({ awslogs: { data: '%%%' } })).toMatchObject({ kind: 'malformed', deadLettered: 1 });
    expect(letters).toEqual([{ kind: 'payload', reason: 'awslogs.data is not base64', data: '%%%' }]);
    expect(calls).toEqual([]);
  });

  it('ships nothing for a CONTROL_MESSAGE', async () => {
    const { index, calls } = scriptedIndex({});
    const { ship, letters } = setup(index);
    const control = encodeSubscriptionEvent({ messageType: 'CONTROL_MESSAGE' });
    expect(await ship(control)).toMatchObject({ kind: 'control', events: 0 });
    expect(calls).toEqual([]);
    expect(letters).toEqual([]);
  });

  it('fails the invocation when the dead-letter queue refuses, so Lambda retries it', async () => {
    const ship = createLogsShipper({
      index: { create: async (documents) => documents.map(() => conflict) },
      deadLetters: {
        send: async () => {
          throw new Error('queue does not exist');
        },
      },
      log,
      indexPrefix: 'karaoke-logs',
      maxPayloadBytes: 1024 * 1024,
      retry,
    });
    await expect(ship(delivery(1))).rejects.toThrow('queue does not exist');
  });
});

describe('backoffMs', () => {
  it('doubles the ceiling per retry up to the maximum, and jitters below it', () => {
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(n, retry, () => 1))).toEqual([100, 200, 400, 800, 1000]);
    expect(backoffMs(3, retry, () => 0.5)).toBe(200);
    expect(backoffMs(3, retry, () => 0)).toBe(0);
  });
});
