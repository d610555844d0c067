import type { SQSEvent, SQSRecord } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createLogger } from '#lib/log';
import { recipientHash, stableEventId, type UsageEvent, usageEvent } from '../contract.ts';
import { decodeUsageParquet } from '../lake/parquet.ts';
import { memoryLake } from '../lake/testing.ts';
import { createUsageArchiver } from './archiver.ts';

const log = createLogger({ serviceName: 'test', level: 'SILENT', environment: 'test' });
const SONG = '7b0a0c0e-2f43-4a39-9b6c-111111111111';

const search = (occurredAt: string, query = 'abba'): UsageEvent =>
  usageEvent({
    type: 'search.performed',
    occurredAt,
    actor: { kind: 'anonymous', id: null },
    subject: { kind: 'search', id: query },
    props: { query, filters: {}, resultCount: 3, latencyMs: 12, cached: false },
  });

const record = (messageId: string, body: unknown): SQSRecord =>
  ({
    messageId,
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {},
    messageAttributes: {},
  }) as unknown as SQSRecord;

const batch = (...records: SQSRecord[]) => ({ Records: records }) as SQSEvent;

async function rowsOf(objects: Map<string, Uint8Array>) {
  const rows = [];
  for (const body of objects.values()) rows.push(...(await decodeUsageParquet(body)));
  return rows;
}

describe('usage archiver', () => {
  it('writes one Parquet file per day and type, under the day each event happened', async () => {
    const { lake, objects } = memoryLake();
    const archive = createUsageArchiver({ lake, log });
    const late = search('2026-12-01T23:59:59.000Z', 'late');
    const answer = await archive(
      batch(
        record('m1', search('2026-12-05T10:00:00Z')),
        record('m2', late),
        record('m3', search('2026-12-05T11:00:00Z')),
      ),
    );
    expect(answer.batchItemFailures).toEqual([]);
    const keys = [...objects.keys()].sort();
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(
      /^usage\/event_date=2026-12-01\/event_type=search\.performed\/part-[0-9a-f]{32}\.parquet$/,
    );
    expect(keys[1]).toMatch(/^usage\/event_date=2026-12-05\/event_type=search\.performed\//);
    const rows = await rowsOf(objects);
    expect(rows.map((row) => row.query).sort()).toEqual(['abba', 'abba', 'late']);
    expect(rows.find((row) => row.query === 'late')?.occurred_at.toISOString()).toBe(
      '2026-12-01T23:59:59.000Z',
    );
  });

  it('takes a message of many events (a producer batch) as well as a message of one', async () => {
    const { lake, objects } = memoryLake();
    const archive = createUsageArchiver({ lake, log });
    const many = Array.from({ length: 40 }, (_, n) =>
      search(`2026-12-05T10:00:${String(n).padStart(2, '0')}Z`),
    );
    const answer = await archive(batch(record('m1', many), record('m2', search('2026-12-05T11:00:00Z'))));
    expect(answer.batchItemFailures).toEqual([]);
    expect(await rowsOf(objects)).toHaveLength(41);
  });

  it('a redelivered batch overwrites its own file, and a duplicate event in a batch is one row', async () => {
    const { lake, objects } = memoryLake();
    const archive = createUsageArchiver({ lake, log });
    const event = search('2026-12-05T10:00:00Z');
    const twice = batch(
      record('m1', event),
      record('m2', event),
      record('m3', search('2026-12-05T10:01:00Z')),
    );
    await archive(twice);
    await archive(twice);
    expect(objects.size).toBe(1);
    expect(await rowsOf(objects)).toHaveLength(2);
  });

  it('sends malformed, unknown-version and unknown-type events to the dead-letter path, keeping the rest', async () => {
    const { lake, objects } = memoryLake();
    const archive = createUsageArchiver({ lake, log });
    const good = search('2026-12-05T10:00:00Z');
    const answer = await archive(
      batch(
        record('bad-json', '{not json'),
        record('v2', { ...good, eventId: crypto.randomUUID(), schemaVersion: 2 }),
        record('odd-type', { ...good, eventId: crypto.randomUUID(), type: 'song.hummed' }),
        record('email-smuggled', { ...good, props: { ...good.props, email: 'ann@example.com' } }),
        record('nul-in-query', {
          ...good,
          eventId: crypto.randomUUID(),
          props: { ...good.props, query: 'a\u0000b' },
        }),
        record('c1-in-subject', {
          ...good,
          eventId: crypto.randomUUID(),
          subject: { kind: 'search', id: 'a\u0085' },
        }),
        record('good', good),
      ),
    );
    expect(answer.batchItemFailures.map((item) => item.itemIdentifier)).toEqual([
      'bad-json',
      'v2',
      'odd-type',
      'email-smuggled',
      'nul-in-query',
      'c1-in-subject',
    ]);
    expect(await rowsOf(objects)).toHaveLength(1);
  });

  it('reports the messages of a file the bucket refused, and writes them when delivered again', async () => {
    const { lake, objects, failures } = memoryLake({ failPuts: 1 });
    const archive = createUsageArchiver({ lake, log });
    const events = batch(
      record('m1', search('2026-12-05T10:00:00Z')),
      record('m2', search('2026-12-05T10:00:01Z')),
    );
    const first = await archive(events);
    expect(failures.puts).toBe(1);
    expect(first.batchItemFailures.map((item) => item.itemIdentifier)).toEqual(['m1', 'm2']);
    expect(objects.size).toBe(0);
    const again = await archive(events);
    expect(again.batchItemFailures).toEqual([]);
    expect(await rowsOf(objects)).toHaveLength(2);
  });

  it('turns a karaoke log entry from the changes topic into an event whose id survives republication', async () => {
    const { lake, objects } = memoryLake();
    const archive = createUsageArchiver({ lake, log });
    const night = '0c6f1a52-58b4-4c38-9d53-222222222222';
    const change = (outboxId: number) => ({
      outboxId,
      entity: 'song-requested',
      op: 'upsert',
      key: `${night}:3`,
      version: 9,
      occurredAt: '2026-12-05T20:00:00Z',
      payload: {
        event_id: night,
        seq: 3,
        type: 'SongRequested',
        data: {
          requestId: '3a1d7c1e-1111-4c38-9d53-333333333333',
          singerId: '4b2e8d2f-2222-4c38-9d53-444444444444',
          songId: SONG,
          keyChange: 0,
          title: 'Waterloo',
          artist: 'ABBA',
          at: '2026-12-05T20:00:00.000Z',
        },
      },
    });
    await archive(batch(record('m1', change(1)), record('m2', change(2))));
    const rows = await rowsOf(objects);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      event_id: stableEventId(`rotation:${night}:3`),
      night_id: night,
      song_id: SONG,
    });
    expect([...objects.keys()][0]).toContain('event_type=karaoke.requested/');
  });

  it('counts playlist writes and new shares from the outbox, never a share message, and acknowledges a removed share', async () => {
    const { lake, objects } = memoryLake();
    const archive = createUsageArchiver({ lake, log });
    const owner = '4b2e8d2f-2222-4c38-9d53-444444444444';
    const playlistId = '5c3f9e30-3333-4c38-9d53-555555555555';
    const shareId = '6d4fa041-4444-4c38-9d53-666666666666';
    const outbox = (entity: string, op: string, key: string, payload: Record<string, unknown>) => ({
      outboxId: 7,
      entity,
      op,
      key,
      version: 11,
      occurredAt: '2026-12-05T18:00:00Z',
      payload,
    });
    const share = {
      id: shareId,
      from_user_id: owner,
      to_user_id: '7e50b152-5555-4c38-9d53-777777777777',
      permission: 'download',
      song_id: SONG,
      playlist_id: null,
      message: 'for ann@example.com',
      created_at: '2026-12-05T18:00:00+00:00',
    };
    const answer = await archive(
      batch(
        record(
          'item',
          outbox('playlist_item', 'upsert', 'i1', {
            id: '8f61c263-6666-4c38-9d53-888888888888',
            playlist_id: playlistId,
            song_id: SONG,
            added_by: owner,
          }),
        ),
        record('share', outbox('share', 'upsert', shareId, share)),
        record('share-gone', outbox('share', 'delete', shareId, share)),
      ),
    );
    expect(answer.batchItemFailures).toEqual([]);
    const rows = await rowsOf(objects);
    expect(rows.map((row) => [row.subject_kind, row.playlist_id ?? row.song_id]).sort()).toEqual([
      ['playlist', playlistId],
      ['share', SONG],
    ]);
    expect(JSON.stringify(rows)).not.toContain('example.com');
  });

  it('names a recipient by a keyed hash that is stable and reveals nothing without the key', () => {
    const hash = recipientHash('secret-1', ' Ann@Example.com ');
    expect(hash).toBe(recipientHash('secret-1', 'ann@example.com'));
    expect(hash).not.toBe(recipientHash('secret-2', 'ann@example.com'));
    expect(hash).not.toContain('example');
  });
});
