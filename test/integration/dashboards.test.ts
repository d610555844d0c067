import { randomBytes } from 'node:crypto';
import { Client } from '@elastic/elasticsearch';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createLogger } from '#lib/log';
import { encodeSubscriptionEvent } from '../../logs-shipper/decode.ts';
import { esLogIndex } from '../../logs-shipper/es-log-index.ts';
import { installIndexTemplate, templateName } from '../../logs-shipper/index-template.ts';
import { PANELS, type Panel, withFixedInterval } from '../../logs-shipper/kibana/panels.ts';
import { renderPanel, type Search } from '../../logs-shipper/kibana/render.ts';
import { vegaSpec } from '../../logs-shipper/kibana/saved-objects.ts';
import type { DeadLetters } from '../../logs-shipper/ports.ts';
import { createLogsShipper } from '../../logs-shipper/shipper.ts';

const prefix = `it-dash-${randomBytes(4).toString('hex')}`;
const indices = `${prefix}-*`;
const silent = createLogger({ serviceName: 'logs-shipper', level: 'SILENT', environment: 'test' });
let client: Client;

/** Log lines of the kinds each panel reads, over the last few minutes, as the functions write them. */
function producedLines(now: number): Array<Record<string, unknown>> {
  const lines: Array<Record<string, unknown>> = [];
  for (let minute = 0; minute < 5; minute++) {
    const at = new Date(now - minute * 60_000).toISOString();
    const base = { '@timestamp': at, 'ecs.version': '8.11.0', 'log.level': 'info' };
    for (const [status, outcome] of [
      [200, 'hit'],
      [200, 'miss'],
      [503, 'bypass'],
    ] as const) {
      lines.push({
        ...base,
        message: 'request',
        'service.name': 'bff',
        'http.request.method': 'GET',
        'url.path': '/api/songs/search',
        'http.response.status_code': status,
        'event.duration': (minute + 1) * 3_000_000,
        'cache.outcome': outcome,
      });
    }
    for (const found of [0, 4, 12]) {
      lines.push({
        ...base,
        message: 'song search',
        'service.name': 'bff',
        'search.result_count': found,
      });
    }
    lines.push({
      ...base,
      message: 'song changes indexed',
      'service.name': 'search-indexer',
      'sync.lag_ms': 120 + minute,
    });
    lines.push({
      ...base,
      message: 'dlq depth',
      'service.name': 'dlq-monitor',
      'queue.name': 'search-indexer-dlq',
      'queue.dlq_depth': minute,
    });
    lines.push({
      ...base,
      message: 'request',
      'service.name': 'rotations',
      'http.request.method': 'POST',
      'url.path': `/internal/rotations/events/${randomBytes(4).toString('hex')}/rotation/advance`,
      'http.response.status_code': 200,
      'event.duration': 4_000_000,
    });
  }
  return lines;
}

const search: Search = async (index, body) =>
  client.search({
    index: index.replace('karaoke-logs', prefix),
    allow_no_indices: true,
    ...(body as object),
  });
const range = () => ({
  from: new Date(Date.now() - 3_600_000),
  to: new Date(Date.now() + 60_000),
  fixedInterval: '1m',
});

beforeAll(async () => {
  client = new Client({ node: inject('elasticsearchUrl') });
  await installIndexTemplate(client, prefix);
  const noDeadLetters: DeadLetters = {
    send: async (letters) => {
      throw new Error(`unexpected dead letters: ${JSON.stringify(letters).slice(0, 200)}`);
    },
  };
  const shipper = createLogsShipper({
    index: esLogIndex(client),
    deadLetters: noDeadLetters,
    log: silent,
    indexPrefix: prefix,
    maxPayloadBytes: 8 * 1024 * 1024,
    retry: { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 20 },
  });
  const lines = producedLines(Date.now());
  await shipper(
    encodeSubscriptionEvent({
      messageType: 'DATA_MESSAGE',
      owner: 'test',
      logGroup: '/aws/lambda/karaoke-suite-test-bff',
      logStream: 'dashboards',
      subscriptionFilters: ['test'],
      logEvents: lines.map((line, position) => ({
        id: `${Date.now()}${String(position).padStart(12, '0')}`.padEnd(56, '0'),
        timestamp: Date.parse(String(line['@timestamp'])),
        message: JSON.stringify(line),
      })),
    }),
  );
  await client.indices.refresh({ index: indices });
});

afterAll(async () => {
  await client.indices.delete({ index: indices, allow_no_indices: true, ignore_unavailable: true });
  await client.indices.deleteIndexTemplate({ name: templateName(prefix) }, { ignore: [404] });
  await client.close();
});

describe('the Kibana dashboard drawn with vega against shipped log lines', () => {
  it.each(PANELS.map((panel) => [panel.title, panel] as const))(
    '%s draws at least one mark',
    async (_, panel) => {
      const rendered = await renderPanel(panel, search, range());
      expect(rendered.rows).toBeGreaterThan(0);
      expect(rendered.marks).toBeGreaterThan(0);
      expect(rendered.svg).toMatch(/^<svg/);
    },
  );

  it('the zero-result rate is the share of searches that found nothing', async () => {
    const panel = PANELS.find((candidate) => candidate.id === 'karaoke-logs-search-zero-results') as Panel;
    const response = (await search('karaoke-logs-*', withFixedInterval(panel.body, '1m'))) as {
      aggregations: { searches: { doc_count: number; empty: { doc_count: number } } };
    };
    const { searches } = response.aggregations;
    expect(searches.doc_count).toBe(15);
    expect(searches.empty.doc_count / searches.doc_count).toBeCloseTo(1 / 3);
  });

  it('a spec with a typo fails instead of shipping an empty panel', async () => {
    const panel = PANELS[0] as Panel;
    const typoMark = { ...vegaSpec(panel), mark: { type: 'lnie' } };
    await expect(renderPanel(panel, search, range(), typoMark)).rejects.toThrow();
    const latency = PANELS.find((candidate) => candidate.id === 'karaoke-logs-latency') as Panel;
    const typoField = {
      ...vegaSpec(latency),
      transform: [{ flatten: ['latency.valeus'], as: ['percentile'] }],
    };
    const rendered = await renderPanel(latency, search, range(), typoField).catch(() => ({ marks: 0 }));
    expect(rendered.marks).toBe(0);
  });
});
