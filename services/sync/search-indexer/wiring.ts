import { createElasticsearchClient } from '#lib/elasticsearch';
import { createLogger } from '#lib/log';
import { songIndexFor } from '#services/catalog/search/es-song-index';
import type { IndexerConfig } from '../config.ts';
import { createSearchIndexer } from './indexer.ts';

export function wireSearchIndexer(config: IndexerConfig) {
  const log = createLogger({
    serviceName: 'search-indexer',
    level: config.LOG_LEVEL,
    environment: config.STAGE,
  });
  const elasticsearch = createElasticsearchClient(config);
  const index = songIndexFor(elasticsearch, config.SEARCH_INDEX_PREFIX);
  return {
    log,
    index,
    handle: createSearchIndexer({ index, log }),
    close: () => elasticsearch.close(),
  };
}
