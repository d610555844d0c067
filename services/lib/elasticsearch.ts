import { Client } from '@elastic/elasticsearch';

export interface ElasticsearchSettings {
  ELASTICSEARCH_URL: string;
  ELASTICSEARCH_API_KEY?: string | undefined;
}

/** The official 8.x client; it refuses servers that are not Elasticsearch (OpenSearch included). */
export function createElasticsearchClient(settings: ElasticsearchSettings): Client {
  return new Client({
    node: settings.ELASTICSEARCH_URL,
    ...(settings.ELASTICSEARCH_API_KEY ? { auth: { apiKey: settings.ELASTICSEARCH_API_KEY } } : {}),
    requestTimeout: 5000,
    maxRetries: 2,
  });
}
