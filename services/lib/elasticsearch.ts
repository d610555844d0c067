import { Client, HttpConnection } from '@elastic/elasticsearch';

export interface ElasticsearchSettings {
  ELASTICSEARCH_URL: string;
  ELASTICSEARCH_API_KEY?: string | undefined;
}

/**
 * The official 8.x client; it refuses servers that are not Elasticsearch (OpenSearch included).
 * It connects through Node's own `http` module (`HttpConnection`, keep-alive) rather than its default
 * undici pool: same requests, and the functions' bundles do not carry undici's ~420 kB
 * (scripts/build.ts stubs it).
 */
export function createElasticsearchClient(settings: ElasticsearchSettings): Client {
  return new Client({
    node: settings.ELASTICSEARCH_URL,
    Connection: HttpConnection,
    ...(settings.ELASTICSEARCH_API_KEY ? { auth: { apiKey: settings.ELASTICSEARCH_API_KEY } } : {}),
    requestTimeout: 5000,
    maxRetries: 2,
  });
}
