import { createElasticsearchClient } from '#lib/elasticsearch';
import { createLogger } from '#lib/log';
import { type Tracer, traceQueueConsumer, xrayTracer } from '#lib/trace';
import { captureElasticsearch } from '#lib/trace-capture';
import { songIndexFor } from '#services/catalog/search/es-song-index';
import type { IndexerConfig } from '../config.ts';
import { createSearchIndexer } from './indexer.ts';

export function wireSearchIndexer(config: IndexerConfig, tracer: Tracer = xrayTracer()) {
  const log = createLogger({
    serviceName: 'search-indexer',
    level: config.LOG_LEVEL,
    environment: config.STAGE,
  });
  const elasticsearch = captureElasticsearch(createElasticsearchClient(config), tracer);
  const index = songIndexFor(elasticsearch, config.SEARCH_INDEX_PREFIX);
  return {
    log,
    index,
    handle: traceQueueConsumer(tracer, 'search-indexer', createSearchIndexer({ index, log })),
    close: () => elasticsearch.close(),
  };
}
