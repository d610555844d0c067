import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  DeleteQueueCommand,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { Client } from '@elastic/elasticsearch';
import { Hono } from 'hono';
import { afterAll, beforeAll, beforeEach, describe, expect, inject, it, vi } from 'vitest';
import { awsClientConfig } from '#lib/aws';
import { notFound, problemResponse, type RequestVariables, requestContext } from '#lib/http';
import { createLogger } from '#lib/log';
import { LOCAL_REGION } from '#scripts/local/bootstrap';
import { type CloudWatchLogEvent, encodeSubscriptionEvent } from '../../logs-shipper/decode.ts';
import { esLogIndex } from '../../logs-shipper/es-log-index.ts';
import { installIndexTemplate, LOG_FIELDS, templateName } from '../../logs-shipper/index-template.ts';
import { PANELS, withFixedInterval } from '../../logs-shipper/kibana/panels.ts';
import type { DeadLetter, IndexOutcome, LogIndex } from '../../logs-shipper/ports.ts';
import { createLogsShipper } from '../../logs-shipper/shipper.ts';
import { sqsDeadLetters } from '../../logs-shipper/sqs-dead-letters.ts';

const prefix = `it-logs-${randomBytes(4).toString('hex')}`;
const indices = `${prefix}-*`;
const silent = createLogger({ serviceName: 'logs-shipper', level: 'SILENT', environment: 'test' });
const MAX_PAYLOAD_BYTES = 8 * 1024 * 1024;

let client: Client;
let sqs: SQSClient;
let queueUrl: string;

beforeAll(async () => {
  client = new Client({ node: inject('elasticsearchUrl') });
  sqs = new SQSClient(
    awsClientConfig({ AWS_REGION: LOCAL_REGION, AWS_ENDPOINT_URL: inject('awsEndpointUrl') }),
  );
  const created = await sqs.send(new CreateQueueCommand({ QueueName: `${prefix}-dead-letters` }));
  queueUrl = created.QueueUrl ?? '';
  expect(await installIndexTemplate(client, prefix)).toBe('installed');
});

beforeEach(async () => {
  await drainDeadLetters();
});

afterAll(async () => {
  await client.indices.delete({ index: indices, allow_no_indices: true, ignore_unavailable: true });
  await client.indices.deleteIndexTemplate({ name: templateName(prefix) }, { ignore: [404] });
  await sqs.send(new DeleteQueueCommand({ QueueUrl: queueUrl }));
  sqs.destroy();
  await client.close();
});

function shipperWith(options: { index?: LogIndex; maxAttempts?: number } = {}) {
  return createLogsShipper({
    index: options.index ?? esLogIndex(client),
    deadLetters: sqsDeadLetters(sqs, queueUrl),
    log: silent,
    indexPrefix: prefix,
    maxPayloadBytes: MAX_PAYLOAD_BYTES,
    retry: { maxAttempts: options.maxAttempts ?? 3, baseDelayMs: 5, maxDelayMs: 20 },
  });
}

async function drainDeadLetters(): Promise<DeadLetter[]> {
  const letters: DeadLetter[] = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 0 }),
    );
    if (Messages.length === 0) return letters;
    letters.push(...Messages.map((message) => JSON.parse(message.Body ?? '') as DeadLetter));
    await sqs.send(
      new DeleteMessageBatchCommand({
        QueueUrl: queueUrl,
        Entries: Messages.map((message, position) => ({
          Id: String(position),
          ReceiptHandle: message.ReceiptHandle,
        })),
      }),
    );
  }
}

/** Lines written to stdout and stderr while `work` runs: what CloudWatch Logs would receive from a Lambda. */
async function captureOutput(work: () => Promise<void>): Promise<string[]> {
  const written: string[] = [];
  const capture = (chunk: unknown) => {
    written.push(String(chunk));
    return true;
  };
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(capture);
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(capture);
  try {
    await work();
  } finally {
    stdout.mockRestore();
    stderr.mockRestore();
  }
  return written
    .join('')
    .split('\n')
    .filter((line) => line.length > 0);
}

/** The value at a dotted path of a JSON response (aggregation names here contain no dots). */
const at = <T = unknown>(node: unknown, path: string): T =>
  path
    .split('.')
    .reduce<unknown>((value, key) => (value as Record<string, unknown> | undefined)?.[key], node) as T;

let sequence = 0;
/** CloudWatch event ids are 56-digit strings, unique per event. */
const eventId = () => `${Date.now()}${String(++sequence).padStart(8, '0')}`.padEnd(56, '0');

function eventsFor(lines: string[], at = Date.now()): CloudWatchLogEvent[] {
  return lines.map((message) => {
    const parsed = /"@timestamp":"([^"]+)"/.exec(message)?.[1];
    const timestamp = parsed && !Number.isNaN(Date.parse(parsed)) ? Date.parse(parsed) : at;
    return { id: eventId(), timestamp, message };
  });
}

const newLogGroup = () => `/aws/lambda/karaoke-suite-test-${randomBytes(4).toString('hex')}`;

function deliveryOf(logGroup: string, events: CloudWatchLogEvent[]) {
  return encodeSubscriptionEvent({
    messageType: 'DATA_MESSAGE',
    owner: '123456789012',
    logGroup,
    logStream: '2025/01/01/[$LATEST]0123456789abcdef',
    subscriptionFilters: ['karaoke-suite-logs'],
    logEvents: events,
  });
}

async function documentsOf(logGroup: string) {
  await client.indices.refresh({ index: indices });
  const result = await client.search<Record<string, unknown>>({
    index: indices,
    size: 10_000,
    query: { term: { 'aws.cloudwatch.log_group': logGroup } },
  });
  return result.hits.hits;
}

async function countOf(logGroup: string, query: Record<string, unknown>) {
  await client.indices.refresh({ index: indices });
  const result = await client.count({
    index: indices,
    query: { bool: { filter: [{ term: { 'aws.cloudwatch.log_group': logGroup } }, query] } },
  });
  return result.count;
}

/** Real lines from the project's logger: a service's access log, cache outcomes, sync lag and DLQ samples. */
async function realServiceLines() {
  const logger = createLogger({ serviceName: 'bff', level: 'DEBUG', environment: 'test' });
  const app = new Hono<{ Variables: RequestVariables }>();
  app.use('*', requestContext(logger));
  app.get('/api/songs/:id', (c) => {
    c.var.log.info('cached read', { 'cache.outcome': c.req.param('id') === 'cached' ? 'hit' : 'miss' });
    return c.json({ id: c.req.param('id') });
  });
  app.get('/api/boom', () => {
    throw new Error('the database went away', { cause: new Error('connection reset') });
  });
  app.notFound(notFound);
  app.onError(problemResponse);
  const indexer = createLogger({ serviceName: 'search-indexer', level: 'INFO', environment: 'test' });

  return captureOutput(async () => {
    for (let i = 0; i < 8; i++) await app.request('/api/songs/cached');
    for (let i = 0; i < 4; i++) await app.request('/api/songs/fresh');
    for (let i = 0; i < 3; i++) await app.request('/api/boom');
    for (let i = 0; i < 2; i++) await app.request('/api/nowhere');
    for (const lag of [120, 340, 80, 2000]) indexer.info('song change applied', { 'sync.lag_ms': lag });
    indexer.info('dead-letter queue depth', { 'queue.name': 'search-indexer-dlq', 'queue.dlq_depth': 3 });
    indexer.info('dead-letter queue depth', { 'queue.name': 'cache-invalidator-dlq', 'queue.dlq_depth': 0 });
    await new Promise((resolve) => setTimeout(resolve, 5));
    indexer.info('dead-letter queue depth', { 'queue.name': 'search-indexer-dlq', 'queue.dlq_depth': 5 });
  });
}

const LAMBDA_PLATFORM_LINES = [
  'START RequestId: 6f1c1a3e-3b6a-4b8e-9d0c-2f0f4a7e9a11 Version: $LATEST',
  `${new Date().toISOString()}\t6f1c1a3e-3b6a-4b8e-9d0c-2f0f4a7e9a11\tWARN\ta console.warn line from a dependency`,
  'REPORT RequestId: 6f1c1a3e-3b6a-4b8e-9d0c-2f0f4a7e9a11\tDuration: 12.34 ms\tBilled Duration: 13 ms',
];

describe('logs-shipper: CloudWatch Logs subscription → Elasticsearch', () => {
  let serviceLines: string[];
  let serviceGroup: string;
  let serviceEvents: CloudWatchLogEvent[];
  let serviceDelivery: ReturnType<typeof deliveryOf>;

  beforeAll(async () => {
    serviceLines = await realServiceLines();
    serviceGroup = newLogGroup();
    serviceEvents = eventsFor([...serviceLines, ...LAMBDA_PLATFORM_LINES]);
    serviceDelivery = deliveryOf(serviceGroup, serviceEvents);
  });

  it("indexes the project logger's lines as typed ECS documents and wraps the platform's plain lines", async () => {
    // 17 access lines, 12 cached reads, 3 unhandled errors, 4 sync lags, 3 DLQ samples.
    expect(serviceLines).toHaveLength(39);
    const report = await shipperWith()(serviceDelivery);
    const total = serviceLines.length + LAMBDA_PLATFORM_LINES.length;
    expect(report).toMatchObject({
      kind: 'data',
      events: total,
      indexed: total,
      deadLettered: 0,
      attempts: 1,
    });

    const documents = await documentsOf(serviceGroup);
    expect(documents).toHaveLength(total);
    const access = documents.filter((hit) => hit._source?.['http.response.status_code'] !== undefined);
    expect(access).toHaveLength(17);
    for (const hit of documents) {
      const line = serviceEvents.find((event) => event.id === hit._id)?.message ?? '';
      if (line.startsWith('{')) {
        const original = JSON.parse(line) as Record<string, unknown>;
        for (const field of [
          '@timestamp',
          'message',
          'log.level',
          'service.name',
          'trace.id',
          'event.duration',
        ]) {
          expect(hit._source?.[field], field).toEqual(original[field]);
        }
      }
      expect(hit._source?.['aws.cloudwatch.log_group']).toBe(serviceGroup);
    }
    expect(access.every((hit) => hit._source?.['service.name'] === 'bff')).toBe(true);
    const start = documents.find((hit) => String(hit._source?.message).startsWith('START RequestId'));
    expect(start?._source).toMatchObject({ 'log.level': 'info', 'cloud.account.id': '123456789012' });
    const consoleLine = documents.find(
      (hit) => hit._source?.message === 'a console.warn line from a dependency',
    );
    expect(consoleLine?._source).toMatchObject({
      'log.level': 'warn',
      'faas.execution': '6f1c1a3e-3b6a-4b8e-9d0c-2f0f4a7e9a11',
    });

    // The mapping's types, not dynamic guesses, answer typed queries.
    expect(await countOf(serviceGroup, { range: { 'http.response.status_code': { gte: 500 } } })).toBe(3);
    expect(await countOf(serviceGroup, { range: { 'event.duration': { gt: 0 } } })).toBe(17);
    expect(await countOf(serviceGroup, { term: { 'log.level': 'error' } })).toBe(6);
    expect(await countOf(serviceGroup, { match: { 'error.message': 'database' } })).toBe(3);
    expect(await countOf(serviceGroup, { term: { 'url.path': '/api/songs/cached' } })).toBe(8);
    const caps = await client.fieldCaps({
      index: indices,
      fields: [
        '@timestamp',
        'log.level',
        'http.response.status_code',
        'event.duration',
        'message',
        'trace.id',
      ],
    });
    const typeOf = (field: string) => Object.keys(caps.fields[field] ?? {});
    expect(typeOf('@timestamp')).toEqual(['date']);
    expect(typeOf('log.level')).toEqual(['keyword']);
    expect(typeOf('http.response.status_code')).toEqual(['short']);
    expect(typeOf('event.duration')).toEqual(['long']);
    expect(typeOf('message')).toEqual(['text']);
    expect(typeOf('trace.id')).toEqual(['keyword']);
  });

  it('indexes nothing twice when the same delivery is shipped again', async () => {
    const again = await shipperWith()(serviceDelivery);
    const total = serviceLines.length + LAMBDA_PLATFORM_LINES.length;
    expect(again).toMatchObject({ indexed: 0, duplicates: total, deadLettered: 0 });
    expect(await documentsOf(serviceGroup)).toHaveLength(total);
  });

  describe('each Kibana panel, run on those lines, shows what the services did', () => {
    const panel = (id: string) => {
      const found = PANELS.find((candidate) => candidate.id === id);
      if (!found) throw new Error(`no panel ${id}`);
      return found;
    };
    /** The panel's own body, in the context Kibana gives it: the dashboard's filter on one log group. */
    const run = async (id: string) => {
      await client.indices.refresh({ index: indices });
      const result = await client.search({
        index: indices,
        query: { term: { 'aws.cloudwatch.log_group': serviceGroup } },
        ...withFixedInterval(panel(id).body, '1m'),
      });
      return result.aggregations;
    };
    const durations = () =>
      serviceLines
        .map((line) => JSON.parse(line) as Record<string, unknown>)
        .filter((line) => line['http.response.status_code'] !== undefined)
        .map((line) => Number(line['event.duration']))
        .sort((a, b) => a - b);
    const bucketSum = (aggs: unknown, buckets: string, count: string) =>
      at<unknown[]>(aggs, buckets).reduce<number>((sum, bucket) => sum + at<number>(bucket, count), 0);
    const values = (aggs: unknown, path: string) =>
      at<Array<{ value: number }>>(aggs, path).map((entry) => entry.value);

    it('request rate counts the access-log lines', async () => {
      const aggs = await run('karaoke-logs-request-rate');
      expect(at(aggs, 'requests.doc_count')).toBe(17);
      expect(bucketSum(aggs, 'requests.over_time.buckets', 'doc_count')).toBe(17);
    });

    it('latency percentiles come from event.duration', async () => {
      const aggs = await run('karaoke-logs-latency');
      const sorted = durations();
      expect(sorted).toHaveLength(17);
      expect(at(aggs, 'requests.slowest.value')).toBe(sorted.at(-1));
      const [p50 = 0, p95 = 0, p99 = 0] = values(aggs, 'requests.latency.values');
      expect(p50).toBeGreaterThanOrEqual(sorted[7] ?? 0);
      expect(p50).toBeLessThanOrEqual(sorted[9] ?? 0);
      expect(p95).toBeGreaterThanOrEqual(sorted[14] ?? 0);
      expect(p99).toBeGreaterThanOrEqual(p95);
      expect(p99).toBeLessThanOrEqual(sorted.at(-1) ?? 0);
    });

    it('error rate counts 5xx answers among all requests', async () => {
      const aggs = await run('karaoke-logs-error-rate');
      expect(at(aggs, 'requests.doc_count')).toBe(17);
      expect(at(aggs, 'requests.errors.doc_count')).toBe(3);
      expect(bucketSum(aggs, 'requests.over_time.buckets', 'errors.doc_count')).toBe(3);
    });

    it('cache hit ratio counts hits among cached reads', async () => {
      const aggs = await run('karaoke-logs-cache-hit-ratio');
      const outcomes = Object.fromEntries(
        at<Array<{ key: string; doc_count: number }>>(aggs, 'reads.outcomes.buckets').map((bucket) => [
          bucket.key,
          bucket.doc_count,
        ]),
      );
      expect(outcomes).toEqual({ hit: 8, miss: 4 });
      expect(bucketSum(aggs, 'reads.over_time.buckets', 'hits.doc_count')).toBe(8);
    });

    it('sync lag shows the consumers’ reported lag', async () => {
      const aggs = await run('karaoke-logs-sync-lag');
      expect(at(aggs, 'applied.doc_count')).toBe(4);
      expect(at(aggs, 'applied.worst.value')).toBe(2000);
      const [p50] = values(aggs, 'applied.lag.values');
      expect(p50).toBeGreaterThanOrEqual(120);
      expect(p50).toBeLessThanOrEqual(340);
    });

    it('DLQ depth shows the latest sample of each dead-letter queue', async () => {
      const aggs = await run('karaoke-logs-dlq-depth');
      const latest = Object.fromEntries(
        at<unknown[]>(aggs, 'samples.queues.buckets').map((bucket) => [
          at<string>(bucket, 'key'),
          at<Array<{ _source: Record<string, unknown> }>>(bucket, 'latest.hits.hits')[0]?._source[
            'queue.dlq_depth'
          ],
        ]),
      );
      expect(latest).toEqual({ 'search-indexer-dlq': 5, 'cache-invalidator-dlq': 0 });
    });
  });
});

describe('logs-shipper: malformed, hostile and refused input', () => {
  const deliveryReport = (letters: DeadLetter[]) =>
    letters.map((letter) => (letter.kind === 'payload' ? letter.reason : `${letter.kind} ${letter.id}`));

  it('treats a CONTROL_MESSAGE as nothing to ship', async () => {
    const control = encodeSubscriptionEvent({
      messageType: 'CONTROL_MESSAGE',
      owner: 'CloudwatchLogs',
      logGroup: '',
      logStream: '',
    });
    expect(await shipperWith()(control)).toMatchObject({ kind: 'control', events: 0, deadLettered: 0 });
    expect(await drainDeadLetters()).toEqual([]);
  });

  it('dead-letters an undecodable delivery whole, with the reason, instead of failing', async () => {
    const ship = shipperWith();
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024, ' '));
    const deliveries = [
      { awslogs: { data: '%%% this is not base64 %%%' } },
      { awslogs: { data: Buffer.from('base64, but not gzip').toString('base64') } },
      { awslogs: { data: bomb.toString('base64') } },
      { awslogs: { data: gzipSync('{"messageType": "DATA_MESS').toString('base64') } },
      { awslogs: { data: gzipSync('{"messageType": "DATA_MESSAGE"}').toString('base64') } },
      { detail: 'an EventBridge event sent to the wrong function' },
    ];
    for (const delivery of deliveries) {
      expect(await ship(delivery)).toMatchObject({ kind: 'malformed', deadLettered: 1 });
    }
    const letters = await drainDeadLetters();
    expect(deliveryReport(letters)).toEqual([
      'awslogs.data is not base64',
      'awslogs.data is base64 but not gzip',
      `awslogs.data inflates to more than ${MAX_PAYLOAD_BYTES} bytes`,
      'awslogs.data inflates to something that is not JSON',
      expect.stringContaining('not a CloudWatch Logs subscription payload'),
      expect.stringContaining('not a CloudWatch Logs subscription event'),
    ]);
    // The undecodable bytes are kept, so the delivery can be looked at later.
    expect(letters[2]).toMatchObject({ kind: 'payload', data: bomb.toString('base64') });
  });

  it('indexes hostile lines as documents or plain text, loses none, and keeps the mapping to its fields', async () => {
    const group = newLogGroup();
    const now = new Date().toISOString();
    let deep: unknown = 'bottom';
    for (let level = 0; level < 1500; level++) deep = { level: deep };
    const lines = {
      huge: `{"message":"${'ha'.repeat(1024 * 1024)}"}`,
      wide: JSON.stringify(Object.fromEntries(Array.from({ length: 10_000 }, (_, n) => [`field_${n}`, n]))),
      array: '[1,2,3]',
      string: '"a JSON string"',
      number: '42',
      nothing: 'null',
      badTimestamp: JSON.stringify({ '@timestamp': 'yesterday-ish', message: 'when?' }),
      structuredMessage: JSON.stringify({ '@timestamp': now, message: { text: 'structured' } }),
      proto: `{"@timestamp":"${now}","message":"proto","__proto__":{"isAdmin":true}}`,
      wrongTypes: JSON.stringify({
        '@timestamp': now,
        message: 'wrong types',
        'http.response.status_code': 'n/a',
        'faas.coldstart': 'sometimes',
        'url.path': { nested: true },
      }),
      deep: JSON.stringify({ '@timestamp': now, message: 'too deep', deep }),
    };
    const events = eventsFor(Object.values(lines));
    const idOf = (name: keyof typeof lines) => events[Object.keys(lines).indexOf(name)]?.id;

    const report = await shipperWith()(deliveryOf(group, events));
    expect(report.indexed + report.deadLettered).toBe(events.length);

    // Nothing lost: each event is either a document or a dead letter.
    const documents = await documentsOf(group);
    const letters = await drainDeadLetters();
    const accounted = [
      ...documents.map((hit) => hit._id),
      ...letters.map((letter) => (letter as { id: string }).id),
    ];
    expect(accounted.sort()).toEqual(events.map((event) => event.id).sort());

    const source = (name: keyof typeof lines) =>
      documents.find((hit) => hit._id === idOf(name))?._source ?? {};
    expect(String(source('huge').message)).toHaveLength(1024 * 1024);
    expect(source('huge').tags).toEqual(['truncated']);
    expect(Object.keys(source('wide')).filter((key) => key.startsWith('field_'))).toHaveLength(10_000);
    for (const name of ['array', 'string', 'number', 'nothing'] as const) {
      expect(source(name).message).toBe(lines[name]);
    }
    expect(source('badTimestamp')).toMatchObject({
      message: 'when?',
      'event.original': lines.badTimestamp,
      tags: ['timestamp_replaced'],
    });
    expect(Date.parse(String(source('badTimestamp')['@timestamp']))).toBe(
      events[Object.keys(lines).indexOf('badTimestamp')]?.timestamp,
    );
    expect(source('structuredMessage').message).toBe('{"text":"structured"}');
    expect(source('proto').message).toBe('proto');
    // Values of a field's wrong type are kept beside it, searchable and tagged, not dropped or refused.
    expect(source('wrongTypes')).toMatchObject({
      message: 'wrong types',
      tags: ['mapping_conflict'],
      conflicts: {
        'http.response.status_code': '"n/a"',
        'faas.coldstart': '"sometimes"',
        'url.path': '{"nested":true}',
      },
    });
    const conflicted = { term: { tags: 'mapping_conflict' } };
    expect(await countOf(group, conflicted)).toBe(1);
    expect(await countOf(group, { term: { 'conflicts.url.path': '{"nested":true}' } })).toBe(1);
    expect(await countOf(group, { query_string: { query: '*sometimes*', fields: ['conflicts'] } })).toBe(1);
    // Nested deeper than Elasticsearch takes (parsing it could stop the node): kept as plain text.
    expect(source('deep')).toMatchObject({ message: lines.deep });
    expect(letters).toEqual([]);

    const mapping = await client.indices.getMapping({ index: indices });
    for (const index of Object.values(mapping)) {
      expect(Object.keys(index.mappings.properties ?? {}).sort()).toEqual(Object.keys(LOG_FIELDS).sort());
    }
  });

  it('sets aside a value Elasticsearch refuses for its field and indexes the line with it kept', async () => {
    const group = newLogGroup();
    const events = eventsFor([
      JSON.stringify({ '@timestamp': new Date().toISOString(), message: 'odd one', 'service.name': 'bff' }),
      'plain line',
    ]);
    const odd = events[0]?.id;
    const real = esLogIndex(client);
    const sent: Array<Record<string, unknown>> = [];
    // Elasticsearch refusing a value the shipper did not foresee, in Elasticsearch's own words.
    const index: LogIndex = {
      async create(documents) {
        const refuse = sent.length === 0;
        sent.push(...documents.map((document) => JSON.parse(document.json) as Record<string, unknown>));
        const accepted = documents.filter((document) => !(refuse && document.id === odd));
        const outcomes = await real.create(accepted);
        return documents.map(
          (document): IndexOutcome =>
            refuse && document.id === odd
              ? {
                  result: 'failed',
                  retryable: false,
                  status: 400,
                  reason: `document_parsing_exception: [1:52] failed to parse field [service.name] of type [keyword] in document with id '${odd}'`,
                }
              : (outcomes.shift() ?? { result: 'failed', retryable: true, status: 0, reason: 'missing' }),
        );
      },
    };
    const report = await shipperWith({ index })(deliveryOf(group, events));
    expect(report).toMatchObject({ indexed: 2, deadLettered: 0, attempts: 2 });
    const documents = await documentsOf(group);
    expect(documents.find((hit) => hit._id === odd)?._source).toMatchObject({
      message: 'odd one',
      tags: ['mapping_conflict'],
      conflicts: { 'service.name': '"bff"' },
    });
    expect(await drainDeadLetters()).toEqual([]);
  });

  it('sends a line written with a key twice again rebuilt when Elasticsearch refuses it as it came', async () => {
    const group = newLogGroup();
    const now = new Date().toISOString();
    // Valid JSON (the last value wins) that passes through as its own text; Elasticsearch refuses the duplicate.
    const twice = `{"@timestamp":"${now}","log.level":"info","message":"first","message":"second"}`;
    const logger = `{"@timestamp":"${now}","log.level":"info","message":"as the logger writes it"}`;
    const events = eventsFor([twice, logger]);
    const rounds: boolean[][] = [];
    const real = esLogIndex(client);
    const index: LogIndex = {
      create(documents) {
        rounds.push(documents.map((document) => document.passedThrough));
        return real.create(documents);
      },
    };
    const report = await shipperWith({ index })(deliveryOf(group, events));
    expect(report).toMatchObject({ indexed: 2, deadLettered: 0, attempts: 2 });
    expect(rounds).toEqual([[true, true], [false]]);
    const documents = await documentsOf(group);
    expect(documents.find((hit) => hit._id === events[0]?.id)?._source).toMatchObject({ message: 'second' });
    expect(await drainDeadLetters()).toEqual([]);
  });

  it('retries only the documents Elasticsearch turned away, then indexes them', async () => {
    const group = newLogGroup();
    const events = eventsFor(Array.from({ length: 6 }, (_, n) => `plain line ${n}`));
    const flaky = new Set([events[1]?.id, events[4]?.id]);
    const sent: string[][] = [];
    // Elasticsearch overloaded for two documents on the first attempt (429), as a busy cluster answers.
    const real = esLogIndex(client);
    const index: LogIndex = {
      async create(documents) {
        sent.push(documents.map((document) => document.id));
        const refused = sent.length === 1 ? documents.filter((document) => flaky.has(document.id)) : [];
        const outcomes = await real.create(documents.filter((document) => !refused.includes(document)));
        return documents.map(
          (document): IndexOutcome =>
            refused.includes(document)
              ? { result: 'failed', retryable: true, status: 429, reason: 'es_rejected_execution_exception' }
              : (outcomes.shift() ?? { result: 'failed', retryable: true, status: 0, reason: 'missing' }),
        );
      },
    };
    const report = await shipperWith({ index })(deliveryOf(group, events));
    expect(report).toMatchObject({ indexed: 6, deadLettered: 0, attempts: 2 });
    expect(sent[1]).toEqual([events[1]?.id, events[4]?.id]);
    expect(await documentsOf(group)).toHaveLength(6);
    expect(await drainDeadLetters()).toEqual([]);
  });

  it('dead-letters what Elasticsearch still refuses after the last attempt, and indexes the rest', async () => {
    const group = newLogGroup();
    const events = eventsFor(Array.from({ length: 4 }, (_, n) => `plain line ${n}`));
    const failing = events[2]?.id;
    const attempts: string[][] = [];
    const real = esLogIndex(client);
    const index: LogIndex = {
      async create(documents) {
        attempts.push(documents.map((document) => document.id));
        const outcomes = await real.create(documents.filter((document) => document.id !== failing));
        return documents.map(
          (document): IndexOutcome =>
            document.id === failing
              ? { result: 'failed', retryable: true, status: 503, reason: 'unavailable_shards_exception' }
              : (outcomes.shift() ?? { result: 'failed', retryable: true, status: 0, reason: 'missing' }),
        );
      },
    };
    const report = await shipperWith({ index, maxAttempts: 3 })(deliveryOf(group, events));
    expect(report).toMatchObject({ indexed: 3, deadLettered: 1, attempts: 3 });
    expect(attempts.slice(1)).toEqual([[failing], [failing]]);
    expect(await documentsOf(group)).toHaveLength(3);
    expect(await drainDeadLetters()).toEqual([
      {
        kind: 'log-event',
        reason: 'unavailable_shards_exception',
        status: 503,
        attempts: 3,
        index: expect.stringMatching(new RegExp(`^${prefix}-\\d{4}\\.\\d{2}\\.\\d{2}$`)),
        logGroup: group,
        logStream: expect.any(String),
        id: failing,
        timestamp: events[2]?.timestamp,
        message: 'plain line 2',
      },
    ]);
  });

  it('dead-letters the whole delivery when Elasticsearch does not answer at all', async () => {
    const group = newLogGroup();
    const unreachable = new Client({ node: 'http://127.0.0.1:9', requestTimeout: 500, maxRetries: 0 });
    try {
      const events = eventsFor(['one', 'two']);
      const report = await shipperWith({ index: esLogIndex(unreachable), maxAttempts: 2 })(
        deliveryOf(group, events),
      );
      expect(report).toMatchObject({ indexed: 0, deadLettered: 2, attempts: 2 });
      const letters = await drainDeadLetters();
      expect(letters.map((letter) => (letter as { id: string }).id).sort()).toEqual(
        events.map((event) => event.id).sort(),
      );
      expect(letters[0]).toMatchObject({ status: 0, reason: expect.stringContaining('bulk request failed') });
    } finally {
      await unreachable.close();
    }
  });
});

describe('two stages on one cluster', () => {
  it('install their templates side by side: a prefix and a longer one do not overlap', async () => {
    const stage = `${prefix}-dev`;
    try {
      expect(await installIndexTemplate(client, stage)).toBe('installed');
      const shipped = await shipperWith()(
        encodeSubscriptionEvent({
          messageType: 'DATA_MESSAGE',
          owner: 'test',
          logGroup: '/aws/lambda/two-stages',
          logStream: 'one',
          subscriptionFilters: ['test'],
          logEvents: [
            { id: `${Date.now()}`.padEnd(56, '7'), timestamp: Date.now(), message: '{"message":"hi"}' },
          ],
        }),
      );
      expect(shipped.deadLettered).toBe(0);
    } finally {
      await client.indices.deleteIndexTemplate({ name: templateName(stage) }, { ignore: [404] });
    }
  });
});
