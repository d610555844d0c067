import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { createLogger } from '#lib/log';
import { createCacheInvalidator, tagsForChange } from './invalidator.ts';

const log = createLogger({ serviceName: 'test', level: 'SILENT', environment: 'test' });
const SONG_ID = '6f1c1f9e-2f7b-4a43-9c55-0d7f6f1f5b10';

const change = (entity: string, key: string, version = 5) =>
  JSON.stringify({
    outboxId: version,
    entity,
    op: 'upsert',
    key,
    version,
    occurredAt: '2024-05-01T10:00:00Z',
    payload: {},
  });

const event = (...bodies: string[]): SQSEvent =>
  ({ Records: bodies.map((body, n) => ({ messageId: `m${n}`, body })) }) as SQSEvent;

function recordingCache(fail = false) {
  const calls: string[][] = [];
  return {
    calls,
    invalidateTags: async (tags: readonly string[]) => {
      calls.push([...tags]);
      if (fail) throw new Error('redis down');
    },
  };
}

describe('cache-invalidator', () => {
  it('maps a song change to its own tag and all searches, any other entity to <entity>:<key>', () => {
    expect(tagsForChange({ entity: 'song', key: SONG_ID, payload: {} })).toEqual([
      `song:${SONG_ID}`,
      'songs:search',
    ]);
    expect(tagsForChange({ entity: 'singer', key: 'abc', payload: {} })).toEqual(['singer:abc']);
    expect(tagsForChange({ entity: 'favourite', key: 'abc:def', payload: {} })).toEqual([
      'favourite:abc:def',
    ]);
    expect(
      tagsForChange({ entity: 'performance-recorded', key: 'r1', payload: { singer_id: 'abc' } }),
    ).toEqual(['singer:abc']);
  });

  it('invalidates every tag of a batch in one call, each tag once', async () => {
    const cache = recordingCache();
    const handle = createCacheInvalidator({ cache, log });
    const result = await handle(
      event(change('song', SONG_ID), change('song', SONG_ID, 6), change('singer', 's1')),
    );
    expect(result.batchItemFailures).toEqual([]);
    expect(cache.calls).toEqual([[`song:${SONG_ID}`, 'songs:search', 'singer:s1']]);
  });

  it('reports malformed messages alone and still invalidates the rest', async () => {
    const cache = recordingCache();
    const handle = createCacheInvalidator({ cache, log });
    const result = await handle(
      event('not json', change('singer', 's1'), JSON.stringify({ entity: 'song' })),
    );
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'm0' }, { itemIdentifier: 'm2' }]);
    expect(cache.calls).toEqual([['singer:s1']]);
  });

  it('treats a duplicate delivery like the first: the same invalidation again, no failure', async () => {
    const cache = recordingCache();
    const handle = createCacheInvalidator({ cache, log });
    const body = change('song', SONG_ID);
    expect((await handle(event(body))).batchItemFailures).toEqual([]);
    expect((await handle(event(body))).batchItemFailures).toEqual([]);
    expect(cache.calls).toEqual([
      [`song:${SONG_ID}`, 'songs:search'],
      [`song:${SONG_ID}`, 'songs:search'],
    ]);
  });

  it('fails the whole batch when the cache does not answer, so SQS delivers it again', async () => {
    const handle = createCacheInvalidator({ cache: recordingCache(true), log });
    const result = await handle(event(change('song', SONG_ID), 'garbage'));
    expect(result.batchItemFailures.map((failure) => failure.itemIdentifier).sort()).toEqual(['m0', 'm1']);
  });
});
