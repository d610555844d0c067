import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { logDocuments } from './documents.ts';
import { LOG_FIELDS } from './index-template.ts';

const origin = {
  owner: '123456789012',
  logGroup: '/aws/lambda/karaoke-suite-dev-bff',
  logStream: 'stream-1',
};
const build = logDocuments(origin, 'karaoke-logs', '2025-03-04T05:06:08.000Z');

const isoTime = fc
  .date({ min: new Date('1970-01-01T00:00:00Z'), max: new Date('2100-01-01T00:00:00Z'), noInvalidDate: true })
  .map((date) => date.toISOString());
const scalar = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  isoTime,
  fc.constantFrom('200', '1e3', 'true', '-0', '99999999999999999999'),
);
const value = fc.oneof(
  { weight: 4, arbitrary: scalar },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);
/** Any name, the mapped fields, and the fields the shipper sets or JavaScript treats specially. */
const key = fc.oneof(
  { weight: 2, arbitrary: fc.string({ maxLength: 12 }) },
  fc.constantFrom(...Object.keys(LOG_FIELDS)),
  fc.constantFrom('event.id', 'aws.cloudwatch.timestamp', 'cloud.provider', '__proto__', 'error', 'log', '1'),
);
const nested = (levels: number): unknown => (levels === 0 ? 'bottom' : { level: nested(levels - 1) });
/** Entries the shipper rewrites: an object to lift to the top, JSON too deep for Elasticsearch. */
const rewritten = fc.constantFrom<[string, unknown]>(
  ['error', { 'error.type': 'TypeError', 'error.message': 'boom' }],
  ['deep', nested(25)],
  ['cloud.provider', null],
);
/** Lines as the project's logger writes them (a valid time and a level first), and lines of any shape. */
const line = fc
  .record({
    head: fc.record(
      {
        '@timestamp': fc.oneof({ weight: 9, arbitrary: isoTime }, value),
        'log.level': fc.oneof({ weight: 9, arbitrary: fc.string() }, value),
        message: fc.oneof({ weight: 4, arbitrary: fc.string() }, value),
      },
      { requiredKeys: [] },
    ),
    rest: fc.array(fc.oneof({ weight: 12, arbitrary: fc.tuple(key, value) }, rewritten), { maxLength: 8 }),
    indent: fc.constantFrom(undefined, undefined, 2),
    separator: fc.constantFrom(',', ',', ',', ', ', ',\n  '),
    padding: fc.constantFrom('', ' ', '\n'),
  })
  .map(({ head, rest, indent, separator, padding }) => {
    const entries = Object.entries(head).map(([name, v]) => `${JSON.stringify(name)}:${JSON.stringify(v)}`);
    // Written as text, so a key may come twice, as in any line a program writes by hand.
    for (const [name, v] of rest) entries.push(`${JSON.stringify(name)}:${JSON.stringify(v, null, indent)}`);
    const names = [...Object.keys(head), ...rest.map(([name]) => name)];
    return {
      message: `{${entries.join(separator)}}${padding}`,
      keysOnce: new Set(names).size === names.length,
    };
  });

/** A document as Elasticsearch reads it: parsed, numbers normalised, key order irrelevant to `toEqual`. */
const read = (json: string) => JSON.parse(JSON.stringify(JSON.parse(json))) as unknown;

describe('a line passed through as its own text', () => {
  it('is the document the shipper would have built field by field', () => {
    let passed = 0;
    fc.assert(
      fc.property(
        line,
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        ({ message, keysOnce }, timestamp) => {
          const event = { id: '3713', timestamp, message };
          const through = build(event);
          const rebuilt = build(event, { passThrough: false });
          expect(rebuilt.passedThrough).toBe(false);
          if (!through.passedThrough) {
            expect(through).toEqual(rebuilt);
            return;
          }
          passed++;
          // One NDJSON line.
          expect(through.json).not.toContain('\n');
          // Appended, the shipper's fields are none of the line's: Elasticsearch refuses a key written twice.
          const fields = JSON.parse(message) as Record<string, unknown>;
          const appended = JSON.parse(`{${through.json.slice(message.trim().length)}`) as Record<
            string,
            unknown
          >;
          expect(Object.keys(appended).filter((name) => Object.hasOwn(fields, name))).toEqual([]);
          // The same document, unless the line wrote a key twice: Elasticsearch refuses that one as it
          // came, and the shipper sends it again rebuilt.
          if (keysOnce) expect(read(through.json)).toEqual(read(rebuilt.json));
          expect(through.index).toBe(rebuilt.index);
        },
      ),
      { numRuns: 2_000 },
    );
    // The property says something only if lines do pass through.
    expect(passed).toBeGreaterThan(250);
  });
});

describe('the CloudWatch time of a document', () => {
  it('is the event timestamp as Date#toISOString writes it, however the events of a delivery follow each other', () => {
    const MAX_DATE_MS = 8_640_000_000_000_000;
    const timestamp = fc.oneof(
      fc.integer({ min: 0, max: MAX_DATE_MS }),
      fc.integer({ min: 1_735_689_599_000, max: 1_735_689_601_000 }),
    );
    fc.assert(
      fc.property(fc.array(timestamp, { minLength: 1, maxLength: 50 }), (timestamps) => {
        const delivery = logDocuments(origin, 'karaoke-logs');
        for (const at of timestamps) {
          const line = JSON.stringify({ '@timestamp': '2025-03-04T05:06:06.000Z', 'log.level': 'info' });
          const document = JSON.parse(delivery({ id: '1', timestamp: at, message: line }).json);
          expect(document['aws.cloudwatch.timestamp']).toBe(new Date(at).toISOString());
        }
      }),
    );
  });
});
