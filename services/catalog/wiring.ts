import { actorTokenVerifier } from '#lib/actor-token';
import { createDb } from '#lib/db/create';
import { createElasticsearchClient } from '#lib/elasticsearch';
import { createLogger } from '#lib/log';
import { type Tracer, traceRequests, xrayTracer } from '#lib/trace';
import { captureElasticsearch } from '#lib/trace-capture';
import type { CatalogDeps } from './app.ts';
import type { CatalogConfig } from './config.ts';
import { s3MediaObjects } from './media/objects.ts';
import { pgMediaStore } from './media/repo.ts';
import { mediaS3Client } from './media/s3.ts';
import { createMediaService, type MediaSettings } from './media/service.ts';
import { pgSongStore } from './repo.ts';
import { songIndexFor } from './search/es-song-index.ts';
import { createCatalogService } from './service.ts';

/** Uploads are accepted for 15 minutes; stream and download links work for 5. */
export const MEDIA_UPLOAD_TTL_SECONDS = 15 * 60;
export const MEDIA_LINK_TTL_SECONDS = 5 * 60;

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
  const s3 = mediaS3Client(config, tracer);
  const songs = pgSongStore(db);
  const settings: MediaSettings = {
    maxUploadBytes: config.MEDIA_MAX_UPLOAD_BYTES,
    uploadTtlSeconds: MEDIA_UPLOAD_TTL_SECONDS,
    linkTtlSeconds: MEDIA_LINK_TTL_SECONDS,
  };
  return {
    log,
    callers: actorTokenVerifier(config.ACTOR_TOKEN_VERIFY_KEYS),
    catalog: createCatalogService({ songs, index }),
    media: createMediaService({
      media: pgMediaStore(db),
      songs,
      objects: s3MediaObjects(s3, config.MEDIA_BUCKET),
      settings,
    }),
    async close() {
      s3.destroy();
      await Promise.allSettled([db.close(), elasticsearch.close()]);
    },
  };
}
