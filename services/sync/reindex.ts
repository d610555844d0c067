import type { Client } from '@elastic/elasticsearch';
import type { SongStore } from '#services/catalog/repo';
import type { SongChange } from '#services/catalog/search/port';
import { type ReindexResult, reindexSongs } from '#services/catalog/search/reindex';

const PAGE = 1000;

/** Every song in PostgreSQL as index changes, a page at a time: live songs and tombstones. */
export async function* songsAsChanges(songs: SongStore): AsyncGenerator<SongChange[]> {
  let after: string | null = null;
  do {
    const page = await songs.scan(after, PAGE);
    yield page.songs.map(
      ({ deleted, ...song }): SongChange =>
        deleted ? { op: 'delete', id: song.id, version: song.version } : { op: 'upsert', song },
    );
    after = page.nextAfter;
  } while (after);
}

/** Rebuilds the song index from PostgreSQL while writes go on (see `reindexSongs` for the order). */
export function reindexFromDatabase(
  client: Client,
  songs: SongStore,
  options: { prefix: string; progress?: (done: number) => void },
): Promise<ReindexResult> {
  return reindexSongs(client, () => songsAsChanges(songs), {
    readAlias: `${options.prefix}songs`,
    writeAlias: `${options.prefix}songs-write`,
    ...(options.progress ? { progress: options.progress } : {}),
  });
}
