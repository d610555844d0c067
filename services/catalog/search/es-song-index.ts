import { type Client, errors, type estypes } from '@elastic/elasticsearch';
import { DependencyError } from '#lib/errors';
import {
  DEFAULT_ALIASES,
  INITIAL_SUFFIX,
  physicalIndexName,
  songDocument,
  songIndexMappings,
  songIndexSettings,
  songTombstone,
} from './index-definition.ts';
import type { ChangeOutcome, SongChange, SongIndex, SongSearchQuery, SongSearchResult } from './port.ts';
import {
  BOOSTS,
  needsTypoSearch,
  planSongSearch,
  readSongSearch,
  type SongHitSource,
  type SongSearchPlan,
} from './query.ts';

export interface EsSongIndexOptions {
  /** Defaults to `songs`. */
  readAlias?: string;
  /** Defaults to `songs-write`. */
  writeAlias?: string;
}

/**
 * The song index on Elasticsearch. Writes go through the write alias with external versions (the
 * song's version), deletes are written as versioned tombstones; searches and version checks go
 * through the read alias.
 */
export function esSongIndex(client: Client, options: EsSongIndexOptions = {}): SongIndex {
  const readAlias = options.readAlias ?? DEFAULT_ALIASES.readAlias;
  const writeAlias = options.writeAlias ?? DEFAULT_ALIASES.writeAlias;

  return {
    async ensureReady() {
      await ensureSongIndex(client, { readAlias, writeAlias });
    },

    apply(changes, applyOptions) {
      return bulkApply(client, writeAlias, changes, {
        requireAlias: true,
        searchable: applyOptions?.searchable === true,
      });
    },

    async search(query: SongSearchQuery): Promise<SongSearchResult> {
      const run = (plan: SongSearchPlan) =>
        call('search', () => client.search<SongHitSource>({ index: readAlias, ...plan.request }));
      const plan = planSongSearch(query);
      const response = await run(plan);
      if (!needsTypoSearch(plan, response)) return readSongSearch(plan, response);
      const withTypos = planSongSearch(query, BOOSTS, { typos: true });
      return readSongSearch(withTypos, await run(withTypos));
    },

    async versionOf(id) {
      const response = await call('versionOf', async () => {
        try {
          return await client.get<{ deleted?: boolean; version?: number }>({
            index: readAlias,
            id,
            _source_includes: ['deleted', 'version'],
          });
        } catch (error) {
          // A missing song answers 404 with `found: false`; a missing index is an error.
          if (statusOf(error) === 404 && (error as { body?: { found?: boolean } }).body?.found === false) {
            return null;
          }
          throw error;
        }
      });
      if (!response?.found) return null;
      return {
        version: response._version ?? response._source?.version ?? 0,
        deleted: response._source?.deleted === true,
      };
    },
  };
}

/**
 * Writes changes to `target` (an alias or an index) in one `_bulk` request, each as an `index`
 * operation with `version_type: external`, so Elasticsearch keeps the highest version per song
 * whatever order the changes arrive in. Outcomes: 2xx → applied, 409 → stale (the index already holds
 * this version or a newer one), anything else → failed with its reason. A request that fails as a
 * whole (Elasticsearch unreachable, overloaded, refusing the request) throws a `DependencyError`.
 * With `searchable` it answers once the changes are visible to searches.
 */
export async function bulkApply(
  client: Client,
  target: string,
  changes: SongChange[],
  options: { requireAlias: boolean; searchable?: boolean },
): Promise<ChangeOutcome[]> {
  if (changes.length === 0) return [];
  const operations: Array<estypes.BulkOperationContainer | object> = [];
  // Changes Elasticsearch would refuse as a whole request fail here, one by one, instead.
  const outcomes: Array<ChangeOutcome | null> = [];
  const sent: string[] = [];
  for (const change of changes) {
    const id = change.op === 'upsert' ? change.song.id : change.id;
    const version = change.op === 'upsert' ? change.song.version : change.version;
    if (typeof id !== 'string' || id === '' || Buffer.byteLength(id) > 512) {
      outcomes.push({ id: String(id), result: 'failed', reason: 'the id must be 1 to 512 bytes' });
      continue;
    }
    if (!Number.isSafeInteger(version) || version < 0) {
      outcomes.push({
        id,
        result: 'failed',
        reason: `the version must be a non-negative integer, not ${version}`,
      });
      continue;
    }
    outcomes.push(null);
    sent.push(id);
    operations.push(
      { index: { _index: target, _id: id, version, version_type: 'external' } },
      change.op === 'upsert' ? songDocument(change.song) : songTombstone(id, version),
    );
  }
  if (sent.length === 0) return outcomes as ChangeOutcome[];
  const response = await call('apply', () =>
    client.bulk({
      operations,
      require_alias: options.requireAlias,
      // `wait_for` rides on the index's periodic refresh instead of forcing one per request.
      ...(options.searchable ? { refresh: 'wait_for' as const } : {}),
      filter_path: 'errors,items.*.status,items.*.error',
    }),
  );
  let next = 0;
  return outcomes.map((outcome) => outcome ?? outcomeOf(sent[next] as string, response.items[next++]));
}

function outcomeOf(
  id: string,
  item: Partial<Record<estypes.BulkOperationType, estypes.BulkResponseItem>> | undefined,
): ChangeOutcome {
  const result = item?.index;
  if (!result) return { id, result: 'failed', reason: 'no outcome for this change in the bulk response' };
  if (result.status >= 200 && result.status < 300) return { id, result: 'applied' };
  if (result.status === 409 && result.error?.type === 'version_conflict_engine_exception') {
    return { id, result: 'stale' };
  }
  const reason = result.error ? `${result.error.type}: ${result.error.reason ?? ''}`.trim() : 'unknown error';
  return { id, result: 'failed', reason: `HTTP ${result.status} ${reason}` };
}
/**
 * Creates the first physical index with both aliases when the read alias does not exist yet.
 * Idempotent, and safe when several processes start at once: they all try the same index name, one
 * creates it, the others see it exist.
 */
export async function ensureSongIndex(
  client: Client,
  aliases: { readAlias: string; writeAlias: string },
): Promise<void> {
  const exists = await call('ensureReady', () => client.indices.existsAlias({ name: aliases.readAlias }));
  if (exists) return;
  const index = physicalIndexName(aliases.readAlias, INITIAL_SUFFIX);
  await call('ensureReady', async () => {
    try {
      await client.indices.create({
        index,
        settings: songIndexSettings,
        mappings: songIndexMappings,
        aliases: { [aliases.readAlias]: {}, [aliases.writeAlias]: { is_write_index: true } },
      });
    } catch (error) {
      if (errorType(error) !== 'resource_already_exists_exception') throw error;
    }
  });
  const created = await call('ensureReady', () => client.indices.existsAlias({ name: aliases.readAlias }));
  if (!created) {
    throw new DependencyError(
      `Elasticsearch: ${index} exists but the alias ${aliases.readAlias} does not point at it`,
    );
  }
}

/**
 * Runs one Elasticsearch call. Transport failures and error responses become a `DependencyError`
 * (the caller retries: a failed indexer batch goes back to its queue). Only `AppError`s and plain
 * programming errors pass through unchanged.
 */
export async function call<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof errors.ElasticsearchClientError) {
      throw new DependencyError(`Elasticsearch ${what} failed: ${describe(error)}`, { cause: error });
    }
    throw error;
  }
}

function describe(error: InstanceType<typeof errors.ElasticsearchClientError>): string {
  if (error instanceof errors.ResponseError) {
    return `HTTP ${error.statusCode ?? '?'} ${errorType(error) ?? error.message}`;
  }
  return `${error.name}: ${error.message}`;
}

export function statusOf(error: unknown): number | undefined {
  return error instanceof errors.ResponseError ? error.statusCode : undefined;
}

export function errorType(error: unknown): string | undefined {
  if (!(error instanceof errors.ResponseError)) return undefined;
  const body = error.body as { error?: { type?: string } | string } | undefined;
  return typeof body?.error === 'object' ? body.error.type : undefined;
}

/** The song index behind `<prefix>songs` and `<prefix>songs-write`, as every deployable names it. */
export function songIndexFor(client: Client, prefix: string): SongIndex {
  return esSongIndex(client, { readAlias: `${prefix}songs`, writeAlias: `${prefix}songs-write` });
}
