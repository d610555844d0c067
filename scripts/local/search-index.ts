import { createDb } from '#lib/db/create';
import { createElasticsearchClient } from '#lib/elasticsearch';
import { xrayTracer } from '#lib/trace';
import { loadCatalogConfig } from '#services/catalog/config';
import { pgSongStore } from '#services/catalog/repo';
import { reindexFromDatabase } from '#services/sync/reindex';

/**
 * Builds a new song index from PostgreSQL and swaps the aliases, while writes continue (see
 * services/catalog/search/reindex.ts for why nothing written meanwhile is lost). `env` is a
 * catalog deployable's environment.
 */
export async function rebuildSearchIndex(
  env: Record<string, string | undefined>,
  progress: (documents: number) => void = () => {},
) {
  const config = loadCatalogConfig(env);
  const db = createDb(config, xrayTracer(), config.AWS_REGION);
  const client = createElasticsearchClient(config);
  try {
    return await reindexFromDatabase(client, pgSongStore(db), {
      prefix: config.SEARCH_INDEX_PREFIX,
      progress,
    });
  } finally {
    await Promise.allSettled([db.close(), client.close()]);
  }
}
