import { createDb } from '#lib/db/create';
import { createElasticsearchClient } from '#lib/elasticsearch';
import { xrayTracer } from '#lib/trace';
import { loadCatalogConfig } from '#services/catalog/config';
import { pgSongStore } from '#services/catalog/repo';
import { reindexFromDatabase } from '#services/sync/reindex';
import { runningLocalStack } from './local/stack-file.ts';

/**
 * `npm run reindex`: builds a new song index from PostgreSQL and swaps the aliases, while writes
 * continue. Uses the running local stack, or the environment when STAGE is set (catalog config).
 */
async function main(): Promise<void> {
  const env = process.env.STAGE ? process.env : runningLocalStack().env;
  const config = loadCatalogConfig(env);
  const db = createDb(config, xrayTracer(), config.AWS_REGION);
  const client = createElasticsearchClient(config);
  const started = Date.now();
  try {
    const result = await reindexFromDatabase(client, pgSongStore(db), {
      prefix: config.SEARCH_INDEX_PREFIX,
      progress: (done) => process.stdout.write(`\r  ${done} songs written`),
    });
    const seconds = (Date.now() - started) / 1000;
    console.log(
      `\nReindexed ${result.documents} songs into ${result.index} in ${seconds.toFixed(1)} s` +
        (result.previous ? ` (replaced ${result.previous})` : ''),
    );
  } finally {
    await Promise.allSettled([db.close(), client.close()]);
  }
}

main().catch((error: unknown) => {
  console.error(`\n${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
