import type { Client } from '@elastic/elasticsearch';

/** Bumped whenever {@link LOG_FIELDS} or the settings change, so cold starts install the new template. */
export const LOG_TEMPLATE_VERSION = 3;

const keyword = { type: 'keyword', ignore_above: 1024 } as const;
// Plain `text` rather than `match_only_text`: that type lives in a module not every 8.x build ships.
const text = { type: 'text', norms: false } as const;
const long = { type: 'long' } as const;
const date = { type: 'date', format: 'strict_date_optional_time||epoch_millis' } as const;

/**
 * Every searchable field of the log indices, by its ECS dotted name. These are the fields the
 * project's logger (services/lib/log.ts) and its callers write, the ones the shipper adds, and the
 * ones the Kibana panels read. Anything else a line carries stays in `_source`, unindexed
 * (`dynamic: false`), so a line with thousands of odd keys cannot blow up the mapping.
 *
 * Panel fields that callers are expected to log:
 * - `cache.outcome`: `hit` | `miss` | `bypass` on cached BFF reads (the `X-Cache` value);
 * - `sync.lag_ms`: how long after the change was committed a sync consumer applied it;
 * - `queue.name` with `queue.dlq_depth`: a dead-letter queue's depth, sampled by whoever checks it;
 * - `search.result_count`: how many songs a search found (the BFF's line for each search).
 */
export const LOG_FIELDS = {
  '@timestamp': date,
  message: text,
  tags: { type: 'keyword' },
  'ecs.version': keyword,
  'log.level': keyword,
  'log.logger': keyword,
  'service.name': keyword,
  'service.environment': keyword,
  'event.dataset': keyword,
  'event.id': keyword,
  'event.duration': long,
  'event.ingested': date,
  'event.reason': text,
  'event.entity': keyword,
  // The raw line, kept when the shipper had to repair it; for reading, not for searching.
  'event.original': { type: 'keyword', index: false, doc_values: false },
  'trace.id': keyword,
  'transaction.id': keyword,
  'http.request.id': keyword,
  'http.request.method': keyword,
  'http.response.status_code': { type: 'short' },
  'url.path': keyword,
  'user.id': keyword,
  'message.id': keyword,
  'error.type': keyword,
  'error.message': text,
  'error.stack_trace': text,
  'error.cause': text,
  'cache.outcome': keyword,
  'sync.lag_ms': long,
  'search.result_count': long,
  'queue.name': keyword,
  'queue.dlq_depth': long,
  'outbox.published': long,
  'logs.dead_lettered': long,
  'cloud.provider': keyword,
  'cloud.region': keyword,
  'cloud.account.id': keyword,
  'faas.name': keyword,
  'faas.execution': keyword,
  'faas.coldstart': { type: 'boolean' },
  'aws.cloudwatch.log_group': keyword,
  'aws.cloudwatch.log_stream': keyword,
  'aws.cloudwatch.timestamp': date,
  // Values a line gave a field of another type, as JSON by field name (`conflicts.url.path`), set
  // aside by the shipper with the tag `mapping_conflict` rather than refused or left unsearchable.
  conflicts: { type: 'flattened', ignore_above: 8191 },
} as const satisfies Record<string, { type: string; [setting: string]: unknown }>;

export const templateName = (indexPrefix: string) => `${indexPrefix}-template`;

/**
 * The daily indices of one prefix, `<prefix>-2…` (`<prefix>-YYYY.MM.DD`), and no other prefix's:
 * `karaoke-logs-*` would also cover `karaoke-logs-dev-*`, and Elasticsearch refuses a second template
 * of the same priority whose patterns overlap, so one stage's shipper would ship nothing.
 */
export const logIndexPattern = (indexPrefix: string) => `${indexPrefix}-2*`;

/**
 * The composable index template of the daily log indices `<prefix>-*`.
 *
 * - `subobjects: false`: the logger writes flat dotted keys, and some share a prefix with a leaf
 *   (`message` and `message.id`); with subobjects they could not both be indexed.
 * - `index.mapping.ignore_malformed`: a value of the wrong type the shipper did not set aside
 *   itself (see `setAsideConflicts`) is left unindexed rather than the whole line refused.
 * - `auto_expand_replicas`: one replica where the cluster has a second node, none on a laptop.
 */
export function logIndexTemplate(indexPrefix: string) {
  return {
    name: templateName(indexPrefix),
    index_patterns: [logIndexPattern(indexPrefix)],
    // Above the built-in `logs-*-*` template (100), should a prefix ever overlap it.
    priority: 200,
    version: LOG_TEMPLATE_VERSION,
    _meta: { description: 'Karaoke Suite logs shipped from CloudWatch Logs by the logs-shipper' },
    template: {
      settings: {
        'index.number_of_shards': 1,
        'index.auto_expand_replicas': '0-1',
        'index.mapping.ignore_malformed': true,
      },
      mappings: {
        dynamic: false as const,
        subobjects: false,
        date_detection: false,
        properties: LOG_FIELDS,
      },
    },
  };
}

/**
 * Installs the template unless the cluster already has this version of it, so every cold start
 * can call it: the usual case is one GET. Existing daily indices keep their mapping; the next
 * day's index gets the new one.
 */
export async function installIndexTemplate(
  client: Client,
  indexPrefix: string,
): Promise<'installed' | 'up-to-date'> {
  const template = logIndexTemplate(indexPrefix);
  const existing = await client.indices.getIndexTemplate({ name: template.name }, { ignore: [404] });
  const installed = existing.index_templates?.find((entry) => entry.name === template.name);
  if (installed?.index_template.version === LOG_TEMPLATE_VERSION) return 'up-to-date';
  await client.indices.putIndexTemplate(template as Parameters<Client['indices']['putIndexTemplate']>[0]);
  return 'installed';
}
