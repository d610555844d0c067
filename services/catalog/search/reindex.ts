import type { Client, estypes } from '@elastic/elasticsearch';
import { bulkApply, call, statusOf } from './es-song-index.ts';
import { physicalIndexName, songIndexMappings, songIndexSettings } from './index-definition.ts';
import type { ChangeOutcome, SongChange } from './port.ts';

export interface ReindexOptions {
  readAlias: string;
  writeAlias: string;
  /** Called after each batch with the number of changes written so far. */
  progress?(done: number): void;
  /** Keep the previous physical index instead of deleting it (to compare, or to switch back by hand). */
  keepPrevious?: boolean;
}

export interface ReindexResult {
  /** The new physical index, now behind both aliases. */
  index: string;
  /** The index the read alias pointed at before, or null on a first build. */
  previous: string | null;
  /** Changes written from the source (upserts and tombstones, including stale ones). */
  documents: number;
}

const TOMBSTONE_PAGE = 1000;
const RETRIES = 5;

/**
 * Builds a new physical index from the source of truth and moves both aliases onto it, without
 * losing a change that happens meanwhile. The order is what makes it lossless:
 *
 * 1. Create the new physical index `<read alias>-v<generation>-<timestamp>`.
 * 2. Move the WRITE alias to it in one atomic `_aliases` call. From now on the live indexer writes
 *    every change into the new index (searches still read the old one, which stops receiving
 *    changes: results lag until step 5).
 * 3. Stream every song from the source (PostgreSQL), read after step 2, into the new index with
 *    external versions. A change committed before the read is in what the source yields; one
 *    committed after it reaches the new index through the indexer. Whichever of the two writes a
 *    song last, the higher version wins: a 409 means the indexer already wrote something newer.
 *    Tombstones of the previous index are copied too, with their versions, so a late, older upsert
 *    cannot bring back a song deleted before the reindex.
 * 4. Refresh the new index, so everything written so far is searchable.
 * 5. Move the READ alias to it in one atomic `_aliases` call: searches switch from the complete old
 *    index to the complete new one, never to a partial one.
 * 6. Delete the previous index (and the one a failed earlier run left behind the write alias), unless
 *    `keepPrevious`.
 *
 * A failure before step 5 leaves searches on the old index and throws; running the reindex again
 * is safe and starts over with a fresh index.
 */
export async function reindexSongs(
  client: Client,
  source: () => AsyncIterable<SongChange[]>,
  options: ReindexOptions,
): Promise<ReindexResult> {
  const { readAlias, writeAlias } = options;
  const index = physicalIndexName(readAlias);

  // 1. The new index, without aliases.
  await call('reindex', () =>
    client.indices.create({ index, settings: songIndexSettings, mappings: songIndexMappings }),
  );

  // 2. The write alias moves; live changes land in the new index from here on.
  const writeIndices = await indicesBehind(client, writeAlias);
  await call('reindex', () =>
    client.indices.updateAliases({
      actions: [
        ...writeIndices.map((from) => ({ remove: { index: from, alias: writeAlias, must_exist: true } })),
        { add: { index, alias: writeAlias, is_write_index: true } },
      ],
    }),
  );

  // 3. Everything the source of truth holds, read after the move, plus the old tombstones.
  let documents = 0;
  for await (const batch of source()) {
    await writeAll(client, index, batch);
    documents += batch.length;
    options.progress?.(documents);
  }
  const readIndices = await indicesBehind(client, readAlias);
  const previousIndices = [...new Set([...readIndices, ...writeIndices])].filter((name) => name !== index);
  if (previousIndices.length > 0) {
    await call('reindex', () => client.indices.refresh({ index: previousIndices }));
    for (const from of previousIndices) await copyTombstones(client, from, index);
  }

  // 4. Searchable.
  await call('reindex', () => client.indices.refresh({ index }));

  // 5. Searches switch over, atomically.
  await call('reindex', () =>
    client.indices.updateAliases({
      actions: [
        ...readIndices.map((from) => ({ remove: { index: from, alias: readAlias, must_exist: true } })),
        { add: { index, alias: readAlias } },
      ],
    }),
  );

  // 6. The old index goes.
  if (!options.keepPrevious && previousIndices.length > 0) {
    await call('reindex', () => client.indices.delete({ index: previousIndices }));
  }
  return { index, previous: readIndices[0] ?? null, documents };
}

/** The physical indices an alias points at; none when the alias does not exist. */
async function indicesBehind(client: Client, alias: string): Promise<string[]> {
  return call('reindex', async () => {
    try {
      return Object.keys(await client.indices.getAlias({ name: alias }));
    } catch (error) {
      if (statusOf(error) === 404) return [];
      throw error;
    }
  });
}

/**
 * Writes changes into the new index by its name, retrying the ones Elasticsearch pushed back (429)
 * with a growing pause. Applied and stale are both fine; any other failure aborts the reindex.
 */
async function writeAll(client: Client, index: string, changes: SongChange[]): Promise<void> {
  let pending = changes;
  for (let attempt = 0; pending.length > 0; attempt++) {
    const outcomes = await bulkApply(client, index, pending, { requireAlias: false });
    const failed = outcomes.flatMap((outcome, i) =>
      outcome.result === 'failed' ? [{ change: pending[i] as SongChange, outcome }] : [],
    );
    if (failed.length === 0) return;
    const retryable = failed.every(({ outcome }) => reasonOf(outcome).startsWith('HTTP 429'));
    if (!retryable || attempt >= RETRIES) {
      const first = failed[0];
      throw new Error(
        `reindex into ${index}: ${failed.length} of ${pending.length} changes failed` +
          (first ? ` (first: ${first.outcome.id}: ${reasonOf(first.outcome)})` : ''),
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200 * 2 ** attempt));
    pending = failed.map(({ change }) => change);
  }
}

function reasonOf(outcome: ChangeOutcome): string {
  return outcome.result === 'failed' ? outcome.reason : '';
}

/** Copies every tombstone of `from` into `to` with its version, page by page in id order. */
async function copyTombstones(client: Client, from: string, to: string): Promise<void> {
  let after: estypes.SortResults | undefined;
  for (;;) {
    const page = await call('reindex', () =>
      client.search<{ id: string; version: number }>({
        index: from,
        size: TOMBSTONE_PAGE,
        query: { term: { deleted: true } },
        sort: [{ id: { order: 'asc' } }],
        _source: { includes: ['id', 'version'] },
        version: true,
        ...(after ? { search_after: after } : {}),
      }),
    );
    const hits = page.hits.hits;
    const tombstones = hits.flatMap((hit): SongChange[] => {
      const version = hit._version ?? hit._source?.version;
      return hit._id && version !== undefined ? [{ op: 'delete', id: hit._id, version }] : [];
    });
    await writeAll(client, to, tombstones);
    if (hits.length < TOMBSTONE_PAGE) return;
    after = hits[hits.length - 1]?.sort;
    if (!after) return;
  }
}
