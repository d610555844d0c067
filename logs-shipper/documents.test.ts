import { describe, expect, it } from 'vitest';
import {
  indexFor,
  type LogDocument,
  logDocuments,
  MAPPING_CONFLICT_TAG,
  MAX_JSON_DEPTH,
  MAX_LINE_CHARS,
  withConflictSetAside,
} from './documents.ts';

const origin = {
  owner: '123456789012',
  logGroup: '/aws/lambda/karaoke-suite-dev-bff',
  logStream: 'stream-1',
};
const at = Date.parse('2025-03-04T05:06:07.089Z');
const withSource = (document: LogDocument) => ({
  ...document,
  source: JSON.parse(document.json) as Record<string, unknown>,
});
const documentOf = (message: string) =>
  withSource(logDocuments(origin, 'karaoke-logs')({ id: 'e1', timestamp: at, message }));

describe('logDocuments', () => {
  it('keeps an ECS JSON line as the document, with its own @timestamp, and says where it came from', () => {
    const line = JSON.stringify({
      '@timestamp': '2025-03-04T05:06:06.000Z',
      'log.level': 'info',
      message: 'request',
      'http.response.status_code': 200,
      'cloud.provider': 'aws',
      'cloud.region': 'eu-west-1',
    });
    const document = documentOf(`${line}\n`);
    expect(document.id).toBe('e1');
    expect(document.index).toBe('karaoke-logs-2025.03.04');
    expect(document.source).toMatchObject({
      '@timestamp': '2025-03-04T05:06:06.000Z',
      'log.level': 'info',
      message: 'request',
      'http.response.status_code': 200,
      'cloud.region': 'eu-west-1',
      'cloud.account.id': '123456789012',
      'aws.cloudwatch.log_group': origin.logGroup,
      'aws.cloudwatch.log_stream': 'stream-1',
      'event.id': 'e1',
    });
    expect(document.source).not.toHaveProperty('event.original');
  });

  it('wraps a plain line as its message at the CloudWatch timestamp', () => {
    expect(documentOf('START RequestId: 42 Version: $LATEST').source).toMatchObject({
      '@timestamp': '2025-03-04T05:06:07.089Z',
      message: 'START RequestId: 42 Version: $LATEST',
      'log.level': 'info',
    });
  });

  it("reads the level and request id of Lambda's console lines", () => {
    const document = documentOf('2025-03-04T05:06:07.000Z\treq-1\tERROR\tsomething broke');
    expect(document.source).toMatchObject({
      '@timestamp': '2025-03-04T05:06:07.000Z',
      message: 'something broke',
      'log.level': 'error',
      'faas.execution': 'req-1',
    });
  });

  it('wraps JSON nested deeper than Elasticsearch takes as plain text, and keeps it at the limit', () => {
    const nested = (levels: number) => {
      let value: unknown = 'bottom';
      for (let level = 1; level < levels; level++) value = { level: value };
      return JSON.stringify({ message: 'nested', deep: value });
    };
    const tooDeep = nested(MAX_JSON_DEPTH + 1);
    expect(documentOf(tooDeep).source.message).toBe(tooDeep);
    expect(documentOf(nested(MAX_JSON_DEPTH - 1)).source.message).toBe('nested');
  });

  it('wraps JSON that is not an object as plain text', () => {
    for (const line of ['[1,2,3]', '"just a string"', '42', 'null', '{"unterminated": ']) {
      expect(documentOf(line).source.message).toBe(line);
    }
  });

  it('replaces an @timestamp Elasticsearch would refuse, keeping the raw line', () => {
    for (const bad of ['yesterday', '2025-13-45T99:00:00Z', 1_741_064_767_000, null, 'March 4 2025']) {
      const line = JSON.stringify({ '@timestamp': bad, message: 'x' });
      expect(documentOf(line).source).toMatchObject({
        '@timestamp': '2025-03-04T05:06:07.089Z',
        'event.original': line,
        tags: ['timestamp_replaced'],
      });
    }
  });

  it('lifts the error fields Powertools files under `error` back to the top', () => {
    const line = JSON.stringify({
      '@timestamp': '2025-03-04T05:06:06.000Z',
      message: 'unhandled error',
      error: { 'error.type': 'Error', 'error.message': 'boom' },
    });
    const { source } = documentOf(line);
    expect(source).toMatchObject({ 'error.type': 'Error', 'error.message': 'boom' });
    expect(source).not.toHaveProperty('error');
  });

  it('turns a structured message into text and keeps a hostile __proto__ key as a plain field', () => {
    const { source } = documentOf('{"message":{"nested":true},"__proto__":{"polluted":true}}');
    expect(source.message).toBe('{"nested":true}');
    expect(Object.getPrototypeOf(source)).toBe(Object.prototype);
    expect(Object.keys(source)).toContain('__proto__');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('indexes a line longer than CloudWatch could have sent as plain text, cut and tagged', () => {
    const line = `{"message":"${'x'.repeat(MAX_LINE_CHARS)}"}`;
    const { source } = documentOf(line);
    expect(String(source.message)).toHaveLength(MAX_LINE_CHARS);
    expect(source.tags).toEqual(['truncated']);
  });

  it('sets aside values of the wrong type for their field, as JSON under conflicts, tagged', () => {
    const line = JSON.stringify({
      '@timestamp': '2025-03-04T05:06:06.000Z',
      message: 'wrong types',
      'url.path': { nested: true },
      'http.response.status_code': 'n/a',
      'event.duration': '1200',
      'faas.coldstart': 'sometimes',
      'sync.lag_ms': [1, { late: true }],
      'service.name': 'bff',
      tags: 'kept',
    });
    const { source } = documentOf(line);
    expect(source.conflicts).toEqual({
      'url.path': '{"nested":true}',
      'http.response.status_code': '"n/a"',
      'faas.coldstart': '"sometimes"',
      'sync.lag_ms': '[1,{"late":true}]',
    });
    expect(source.tags).toEqual(['kept', MAPPING_CONFLICT_TAG]);
    for (const field of ['url.path', 'http.response.status_code', 'faas.coldstart', 'sync.lag_ms']) {
      expect(source).not.toHaveProperty([field]);
    }
    // What Elasticsearch coerces is no conflict.
    expect(source).toMatchObject({ 'event.duration': '1200', 'service.name': 'bff', message: 'wrong types' });
  });

  it('leaves a line whose values all fit their fields without conflicts or tags', () => {
    const { source } = documentOf(
      JSON.stringify({
        '@timestamp': '2025-03-04T05:06:06.000Z',
        message: 'fine',
        'http.response.status_code': 200,
        'event.ingested': 1741064766000,
      }),
    );
    expect(source).not.toHaveProperty('conflicts');
    expect(source).not.toHaveProperty('tags');
  });

  it('sets aside a field Elasticsearch named in a refusal, once', () => {
    const document = documentOf(
      JSON.stringify({ '@timestamp': '2025-03-04T05:06:06.000Z', message: 'odd', 'url.path': 'xxx' }),
    );
    const repaired = withConflictSetAside(document, 'url.path');
    expect(repaired?.passedThrough).toBe(false);
    const source = repaired && withSource(repaired).source;
    expect(source).toMatchObject({
      conflicts: { 'url.path': '"xxx"' },
      tags: [MAPPING_CONFLICT_TAG],
    });
    expect(source).not.toHaveProperty(['url.path']);
    expect(repaired && withConflictSetAside(repaired, 'url.path')).toBeUndefined();
    expect(withConflictSetAside(document, 'conflicts')).toBeUndefined();
  });

  it('puts an event in the daily index of its CloudWatch timestamp', () => {
    expect(indexFor('karaoke-logs', Date.parse('2025-12-31T23:59:59.999Z'))).toBe('karaoke-logs-2025.12.31');
  });
});
