import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { decodeSubscriptionEvent, encodeSubscriptionEvent, MalformedPayloadError } from './decode.ts';

const limits = { maxBytes: 1024 * 1024 };
const dataMessage = {
  messageType: 'DATA_MESSAGE' as const,
  owner: '123456789012',
  logGroup: '/aws/lambda/karaoke-suite-dev-bff',
  logStream: '2025/01/01/[$LATEST]abc',
  subscriptionFilters: ['karaoke-suite-logs'],
  logEvents: [{ id: '3719', timestamp: 1_735_689_600_000, message: '{"message":"hello"}' }],
};

const reasonOf = (event: unknown) => {
  try {
    decodeSubscriptionEvent(event, limits);
  } catch (error) {
    if (error instanceof MalformedPayloadError) return error.reason;
    throw error;
  }
  return 'decoded';
};

describe('decodeSubscriptionEvent', () => {
  it('reads a DATA_MESSAGE encoded as CloudWatch Logs does', () => {
    expect(decodeSubscriptionEvent(encodeSubscriptionEvent(dataMessage), limits)).toEqual({
      kind: 'data',
      origin: { owner: '123456789012', logGroup: dataMessage.logGroup, logStream: dataMessage.logStream },
      subscriptionFilters: ['karaoke-suite-logs'],
      events: dataMessage.logEvents,
    });
  });

  it('treats the CONTROL_MESSAGE CloudWatch sends when a subscription is created as nothing to ship', () => {
    const control = encodeSubscriptionEvent({
      messageType: 'CONTROL_MESSAGE',
      owner: 'CloudwatchLogs',
      logGroup: '',
      logStream: '',
    });
    expect(decodeSubscriptionEvent(control, limits)).toEqual({ kind: 'control' });
  });

  it('names the layer that is wrong in a malformed delivery', () => {
    const data = (bytes: Buffer) => ({ awslogs: { data: bytes.toString('base64') } });
    expect(reasonOf({ Records: [] })).toBe('not-an-event');
    expect(reasonOf({ awslogs: { data: 'not base64 at all!' } })).toBe('not-base64');
    expect(reasonOf({ awslogs: { data: '' } })).toBe('not-base64');
    // A character outside base64 in text of the right length, and padding in the middle.
    const gzipped = gzipSync('{}').toString('base64');
    expect(reasonOf({ awslogs: { data: `H4sI!${gzipped.slice(5)}` } })).toBe('not-base64');
    expect(reasonOf({ awslogs: { data: `${gzipped.slice(0, 4)}AA==${gzipped.slice(8)}` } })).toBe(
      'not-base64',
    );
    expect(reasonOf(data(Buffer.from('plain text, not gzip')))).toBe('not-gzip');
    expect(reasonOf(data(gzipSync('plain text').subarray(0, 12)))).toBe('not-gzip');
    expect(reasonOf(data(gzipSync('{"messageType": ')))).toBe('not-json');
    expect(reasonOf(data(gzipSync('[1, 2, 3]')))).toBe('not-a-payload');
    const withEvents = (logEvents: unknown[]) =>
      data(gzipSync(JSON.stringify({ ...dataMessage, logEvents })));
    const event = { id: 'e1', timestamp: 1_735_689_600_000, message: 'line' };
    for (const bad of [
      { id: 1 },
      null,
      { ...event, id: '' },
      { ...event, timestamp: -1 },
      { ...event, message: 7 },
    ]) {
      expect(reasonOf(withEvents([event, bad]))).toBe('not-a-payload');
    }
    expect(() => decodeSubscriptionEvent(withEvents([event, { ...event, timestamp: 1.5 }]), limits)).toThrow(
      'logEvents.1: timestamp: expected milliseconds since the epoch',
    );
  });

  it('stops inflating a gzip bomb at the limit instead of exhausting memory', () => {
    const bomb = gzipSync(Buffer.alloc(8 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(64 * 1024);
    expect(reasonOf({ awslogs: { data: bomb.toString('base64') } })).toBe('too-large');
  });
});
