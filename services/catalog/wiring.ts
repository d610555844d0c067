import { createDb } from '#lib/db/create';
import { createElasticsearchClient } from '#lib/elasticsearch';
import { createLogger } from '#lib/log';
import { type Tracer, traceRequests, xrayTracer } from '#lib/trace';
import { captureElasticsearch } from '#lib/trace-capture';
import type { CatalogDeps } from './app.ts';
import type { CatalogConfig } from './config.ts';
import { pgSongStore } from './repo.ts';
import { songIndexFor } from './search/es-song-index.ts';
import { createCatalogService } from './service.ts';

export interface CatalogResources extends CatalogDeps {
  close(): Promise<void>;
}

export function wireCatalog(config: CatalogConfig, tracer: Tracer = xrayTracer()): CatalogResources {
  const log = traceRequests(
    createLogger({ serviceName: 'catalog', level: config.LOG_LEVEL, environment: config.STAGE }),
    tracer,
    'catalog',
  );
  const db = createDb(config, tracer, config.AWS_REGION);
  const elasticsearch = captureElasticsearch(createElasticsearchClient(config), tracer);
  const index = songIndexFor(elasticsearch, config.SEARCH_INDEX_PREFIX);
  return {
    log,
    catalog: createCatalogService({ songs: pgSongStore(db), index }),
    async close() {
      await Promise.allSettled([db.close(), elasticsearch.close()]);
    },
  };
}
