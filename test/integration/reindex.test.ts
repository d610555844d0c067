import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reindexFromDatabase } from '#services/sync/reindex';
import {
  createSyncFixture,
  eventually,
  indexDrift,
  type SyncFixture,
  startFixtureChain,
} from '../support/sync-fixture.ts';

let fx: SyncFixture;
const running: Array<{ stop(): Promise<void> }> = [];

beforeAll(async () => {
  fx = await createSyncFixture();
  running.push(await startFixtureChain(fx));
});

afterAll(async () => {
  await Promise.all(running.map((part) => part.stop()));
  await fx.close();
});

describe('reindex from PostgreSQL', () => {
  it('loses no edit or delete made while it runs, and swaps the read alias to the new index', async () => {
    const songs = Array.from({ length: 400 }, (_, n) => ({
      title: `Reindex Song ${n}`,
      artist: `Band ${n % 17}`,
    }));
    await fx.songs.importBatch(songs);
    let started = Date.now();
    await eventually(async () => expect(await indexDrift(fx)).toEqual([]), 60_000);
    console.log(`400 imported songs searchable after ${Date.now() - started} ms`);
    started = Date.now();
    const before = Object.keys(await fx.es.indices.getAlias({ name: `${fx.prefix}songs` }));

    const ids = (await fx.db.query<{ id: string }>('SELECT id FROM songs ORDER BY id')).map((row) => row.id);
    let stop = false;
    const writes = (async () => {
      let n = 0;
      // A steady trickle of edits and deletes for as long as the reindex runs.
      while (!stop && n < 300) {
        const id = ids[(n * 7) % ids.length] as string;
        if (n % 5 === 4) await fx.songs.softDelete(id);
        else await fx.songs.update(id, { genre: `genre-${n}` });
        n++;
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      return n;
    })();
    const result = await reindexFromDatabase(fx.es, fx.songs, { prefix: fx.prefix });
    stop = true;
    const writesDuring = await writes;
    console.log(
      `reindex of ${result.documents} songs took ${Date.now() - started} ms, ${writesDuring} writes meanwhile`,
    );

    expect(writesDuring).toBeGreaterThan(0);
    expect(result.documents).toBeGreaterThanOrEqual(400);
    expect(before).toHaveLength(1);
    expect(before).not.toContain(result.index);
    expect(Object.keys(await fx.es.indices.getAlias({ name: `${fx.prefix}songs` }))).toEqual([result.index]);
    await eventually(async () => expect(await indexDrift(fx)).toEqual([]), 60_000);
  }, 180_000);
});
