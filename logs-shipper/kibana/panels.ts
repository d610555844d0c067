/**
 * The dashboard's panels. Each `body` is an Elasticsearch search body of aggregations (no `query`):
 * Kibana runs it inside the dashboard's time range and filters (Vega's `%context%`), and the
 * integration test runs the same JSON, through {@link withFixedInterval}, against indexed log
 * lines. Only core aggregations are used, so the panels work on any Elasticsearch 8 build.
 */

/**
 * Kibana's Vega replaces `interval: { "%autointerval%": true }` with the `fixed_interval` or
 * `calendar_interval` that suits the dashboard's time range.
 */
export const AUTO_INTERVAL = { '%autointerval%': true } as const;

const overTime = { date_histogram: { field: '@timestamp', interval: AUTO_INTERVAL, min_doc_count: 0 } };

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A panel body as Kibana sends it to Elasticsearch, with every auto interval set to `fixedInterval`. */
export function withFixedInterval<T>(body: T, fixedInterval: string): T {
  if (Array.isArray(body)) return body.map((item) => withFixedInterval(item, fixedInterval)) as T;
  if (!isRecord(body)) return body;
  return Object.fromEntries(
    Object.entries(body).map(([key, value]) =>
      key === 'interval' && isRecord(value) && value['%autointerval%'] === true
        ? ['fixed_interval', fixedInterval]
        : [key, withFixedInterval(value, fixedInterval)],
    ),
  ) as T;
}

/** Access-log lines: one per HTTP request, written by `requestContext` in services/lib/http.ts. */
const accessLines = { exists: { field: 'http.response.status_code' } };

/** The BFF's line for each song search says how many songs it found. */
const zeroResults = { term: { 'search.result_count': 0 } };

const serverErrors = { range: { 'http.response.status_code': { gte: 500 } } };

const LATENCY_PERCENTS = [50, 95, 99];

export interface Panel {
  id: string;
  title: string;
  description: string;
  body: { size: 0; aggs: Record<string, unknown> };
  /** Vega-Lite view over the response: where its rows are, and how to draw them. */
  rows: string;
  view: Record<string, unknown>;
}

const time = { field: 'key', type: 'temporal', title: null };

export const PANELS: Panel[] = [
  {
    id: 'karaoke-logs-request-rate',
    title: 'Request rate',
    description: 'HTTP requests served, from the access-log line of every request (BFF and services).',
    body: {
      size: 0,
      aggs: { requests: { filter: accessLines, aggs: { over_time: overTime } } },
    },
    rows: 'aggregations.requests.over_time.buckets',
    view: {
      mark: { type: 'line', point: true },
      encoding: { x: time, y: { field: 'doc_count', type: 'quantitative', title: 'requests per interval' } },
    },
  },
  {
    id: 'karaoke-logs-latency',
    title: 'Latency percentiles',
    description: 'p50, p95 and p99 of request durations (event.duration, nanoseconds) in milliseconds.',
    body: {
      size: 0,
      aggs: {
        requests: {
          filter: accessLines,
          aggs: {
            latency: { percentiles: { field: 'event.duration', percents: LATENCY_PERCENTS, keyed: false } },
            slowest: { max: { field: 'event.duration' } },
            over_time: {
              ...overTime,
              aggs: {
                latency: {
                  percentiles: { field: 'event.duration', percents: LATENCY_PERCENTS, keyed: false },
                },
              },
            },
          },
        },
      },
    },
    rows: 'aggregations.requests.over_time.buckets',
    view: {
      transform: [
        { flatten: ['latency.values'], as: ['percentile'] },
        { filter: 'datum.percentile.value != null' },
        { calculate: "'p' + datum.percentile.key", as: 'series' },
        { calculate: 'datum.percentile.value / 1e6', as: 'ms' },
      ],
      mark: { type: 'line', point: true },
      encoding: {
        x: time,
        y: { field: 'ms', type: 'quantitative', title: 'milliseconds' },
        color: { field: 'series', type: 'nominal', title: null },
      },
    },
  },
  {
    id: 'karaoke-logs-error-rate',
    title: 'Error rate',
    description: 'Share of requests answered with a 5xx status.',
    body: {
      size: 0,
      aggs: {
        requests: {
          filter: accessLines,
          aggs: {
            errors: { filter: serverErrors },
            over_time: { ...overTime, aggs: { errors: { filter: serverErrors } } },
          },
        },
      },
    },
    rows: 'aggregations.requests.over_time.buckets',
    view: {
      transform: [
        { calculate: 'datum.doc_count > 0 ? datum.errors.doc_count / datum.doc_count : 0', as: 'rate' },
      ],
      mark: { type: 'area', line: true },
      encoding: {
        x: time,
        y: { field: 'rate', type: 'quantitative', title: '5xx share', axis: { format: '%' } },
      },
    },
  },
  {
    id: 'karaoke-logs-cache-hit-ratio',
    title: 'Cache hit ratio',
    description:
      'Share of cached BFF reads answered from the read cache (cache.outcome hit, of hit + miss + bypass).',
    body: {
      size: 0,
      aggs: {
        reads: {
          filter: { exists: { field: 'cache.outcome' } },
          aggs: {
            outcomes: { terms: { field: 'cache.outcome', size: 10 } },
            over_time: { ...overTime, aggs: { hits: { filter: { term: { 'cache.outcome': 'hit' } } } } },
          },
        },
      },
    },
    rows: 'aggregations.reads.over_time.buckets',
    view: {
      transform: [
        { calculate: 'datum.doc_count > 0 ? datum.hits.doc_count / datum.doc_count : null', as: 'ratio' },
      ],
      mark: { type: 'line', point: true },
      encoding: {
        x: time,
        y: { field: 'ratio', type: 'quantitative', title: 'hit ratio', axis: { format: '%' } },
      },
    },
  },
  {
    id: 'karaoke-logs-sync-lag',
    title: 'Sync lag',
    description: 'How long after a database change its consumers applied it (sync.lag_ms): p50, p95 and max.',
    body: {
      size: 0,
      aggs: {
        applied: {
          filter: { exists: { field: 'sync.lag_ms' } },
          aggs: {
            lag: { percentiles: { field: 'sync.lag_ms', percents: [50, 95], keyed: false } },
            worst: { max: { field: 'sync.lag_ms' } },
            over_time: {
              ...overTime,
              aggs: {
                lag: { percentiles: { field: 'sync.lag_ms', percents: [50, 95], keyed: false } },
                worst: { max: { field: 'sync.lag_ms' } },
              },
            },
          },
        },
      },
    },
    rows: 'aggregations.applied.over_time.buckets',
    view: {
      transform: [
        {
          calculate:
            '[{series: "p50", ms: datum.lag.values[0].value}, {series: "p95", ms: datum.lag.values[1].value}, {series: "max", ms: datum.worst.value}]',
          as: 'points',
        },
        { flatten: ['points'], as: ['point'] },
        { filter: 'datum.point.ms != null' },
        { calculate: 'datum.point.series', as: 'series' },
        { calculate: 'datum.point.ms', as: 'ms' },
      ],
      mark: { type: 'line', point: true },
      encoding: {
        x: time,
        y: { field: 'ms', type: 'quantitative', title: 'milliseconds' },
        color: { field: 'series', type: 'nominal', title: null },
      },
    },
  },
  {
    id: 'karaoke-logs-dlq-depth',
    title: 'DLQ depth',
    description:
      'Messages waiting in each dead-letter queue (queue.dlq_depth, the highest sample per interval).',
    body: {
      size: 0,
      aggs: {
        samples: {
          filter: { exists: { field: 'queue.dlq_depth' } },
          aggs: {
            queues: {
              terms: { field: 'queue.name', size: 20 },
              aggs: {
                latest: {
                  top_hits: { size: 1, sort: [{ '@timestamp': 'desc' }], _source: ['queue.dlq_depth'] },
                },
              },
            },
            over_time: {
              ...overTime,
              aggs: {
                queues: {
                  terms: { field: 'queue.name', size: 20 },
                  aggs: { depth: { max: { field: 'queue.dlq_depth' } } },
                },
              },
            },
          },
        },
      },
    },
    rows: 'aggregations.samples.over_time.buckets',
    view: {
      transform: [
        { flatten: ['queues.buckets'], as: ['queue'] },
        { calculate: 'datum.queue.key', as: 'name' },
        { calculate: 'datum.queue.depth.value', as: 'depth' },
      ],
      mark: { type: 'line', point: true },
      encoding: {
        x: time,
        y: { field: 'depth', type: 'quantitative', title: 'messages' },
        color: { field: 'name', type: 'nominal', title: 'queue' },
      },
    },
  },
  {
    id: 'karaoke-logs-search-zero-results',
    title: 'Search zero-result rate',
    description:
      'Share of song searches that found nothing (search.result_count 0), of every search the BFF answered, read-cache answers included.',
    body: {
      size: 0,
      aggs: {
        searches: {
          filter: { exists: { field: 'search.result_count' } },
          aggs: {
            empty: { filter: zeroResults },
            over_time: { ...overTime, aggs: { empty: { filter: zeroResults } } },
          },
        },
      },
    },
    rows: 'aggregations.searches.over_time.buckets',
    view: {
      transform: [
        { calculate: 'datum.doc_count > 0 ? datum.empty.doc_count / datum.doc_count : null', as: 'rate' },
        { filter: 'datum.rate != null' },
      ],
      mark: { type: 'line', point: true },
      encoding: {
        x: time,
        y: { field: 'rate', type: 'quantitative', title: 'zero-result share', axis: { format: '%' } },
      },
    },
  },
  {
    id: 'karaoke-logs-rotation-advances',
    title: 'Rotation advances per night',
    description:
      "KJ advances of a night's rotation that succeeded, per day (the rotations service's access lines for POST …/rotation/advance).",
    body: {
      size: 0,
      aggs: {
        advances: {
          filter: {
            bool: {
              filter: [
                { term: { 'http.request.method': 'POST' } },
                { wildcard: { 'url.path': '*/rotation/advance' } },
                { range: { 'http.response.status_code': { gte: 200, lt: 300 } } },
                { term: { 'service.name': 'rotations' } },
              ],
            },
          },
          aggs: {
            nights: { date_histogram: { field: '@timestamp', calendar_interval: '1d', min_doc_count: 1 } },
          },
        },
      },
    },
    rows: 'aggregations.advances.nights.buckets',
    view: {
      mark: { type: 'bar' },
      encoding: {
        x: { field: 'key', type: 'ordinal', timeUnit: 'yearmonthdate', title: 'night' },
        y: { field: 'doc_count', type: 'quantitative', title: 'advances' },
      },
    },
  },
];
