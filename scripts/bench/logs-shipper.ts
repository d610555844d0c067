/**
 * What the logs-shipper costs over Elasticsearch's own bulk indexing: `npx tsx
 * scripts/bench/logs-shipper.ts` starts a throwaway Elasticsearch and, in adjacent runs, ships 30,000
 * CloudWatch lines (access lines as the project's logger writes them, in subscription deliveries of
 * 1,000 events, gzipped and base64-encoded beforehand) through the shipper, and sends a bare `_bulk`
 * of the same documents whose NDJSON bodies were built before the clock started; one delivery (or
 * body) at a time and 4 at once, as 4 concurrent invocations would. Each run indexes into a fresh
 * daily index, created a second before the clock starts. Prints lines/s of each, the shipper's share
 * of the bare `_bulk`, and this process's CPU time per line in each (the shipper's own work, or the
 * client's sending).
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@elastic/elasticsearch';
import { createLogger } from '#lib/log';
import { startElasticsearch } from '#test/support/elasticsearch';
import { REPO_ROOT } from '#test/support/stack';
import { type CloudWatchLogEvent, encodeSubscriptionEvent } from '../../logs-shipper/decode.ts';
import { logDocuments } from '../../logs-shipper/documents.ts';
import { encodedChunks, esLogIndex } from '../../logs-shipper/es-log-index.ts';
import { installIndexTemplate } from '../../logs-shipper/index-template.ts';
import { createLogsShipper } from '../../logs-shipper/shipper.ts';

const LINES = 30_000;
const PER_DELIVERY = 1_000;
const ROUNDS = 5;
const PREFIX = 'bench-logs';
const origin = {
  owner: '123456789012',
  logGroup: '/aws/lambda/karaoke-suite-bench-bff',
  logStream: '2026/01/01/[$LATEST]0123456789abcdef',
};

/** An access line as `requestContext` (services/lib/http.ts) writes it through the project's logger. */
function accessLine(at: number, n: number): string {
  return JSON.stringify({
    '@timestamp': new Date(at).toISOString(),
    'log.level': 'info',
    message: 'request',
    'ecs.version': '8.11.0',
    'service.name': 'bff',
    'service.environment': 'bench',
    'event.dataset': 'bff.log',
    'cloud.provider': 'aws',
    'trace.id': `1-${Math.floor(at / 1000).toString(16)}-${randomBytes(12).toString('hex')}`,
    'http.request.id': randomUUID(),
    'http.request.method': 'GET',
    'url.path': `/api/songs/${randomUUID()}`,
    'http.response.status_code': n % 50 === 0 ? 503 : 200,
    'event.duration': 1_000_000 + (n % 997) * 10_000,
    'cache.outcome': n % 3 === 0 ? 'miss' : 'hit',
  });
}

/** Fresh CloudWatch events (new ids, so nothing is a duplicate of an earlier run), cut into deliveries. */
function batches(lines: string[]): CloudWatchLogEvent[][] {
  const at = Date.now();
  const events = lines.map((message, n) => ({
    id: `${at}${String(n).padStart(8, '0')}${randomBytes(8).toString('hex')}`.padEnd(56, '0').slice(0, 56),
    timestamp: at,
    message,
  }));
  const cut: CloudWatchLogEvent[][] = [];
  for (let start = 0; start < events.length; start += PER_DELIVERY) {
    cut.push(events.slice(start, start + PER_DELIVERY));
  }
  return cut;
}

interface Run {
  linesPerSecond: number;
  /** This process's CPU time (all its threads) per line, in µs. */
  cpuPerLine: number;
}

/** Runs `work` on every item, `concurrency` at a time. */
async function timed<T>(items: T[], concurrency: number, work: (item: T) => Promise<void>): Promise<Run> {
  const queue = [...items];
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let item = queue.shift(); item !== undefined; item = queue.shift()) await work(item);
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  return { linesPerSecond: LINES / seconds, cpuPerLine: (used.user + used.system) / LINES };
}

/**
 * The pause before each run: Elasticsearch deletes the last run's index and refreshes in the
 * background, which the next run would otherwise pay for.
 */
const SETTLE_MS = 1_000;

async function main(): Promise<void> {
  const runDir = mkdtempSync(join(tmpdir(), 'karaoke-bench-logs-'));
  const elasticsearch = await startElasticsearch({
    runDir,
    cacheDir: join(REPO_ROOT, '.local', 'cache'),
    progress: () => {},
  });
  const client = new Client({ node: elasticsearch.url });
  try {
    await installIndexTemplate(client, PREFIX);
    const shipper = createLogsShipper({
      index: esLogIndex(client),
      deadLetters: {
        send: async (letters) => {
          throw new Error(`dead letters in a bench run: ${letters[0]?.reason}`);
        },
      },
      log: createLogger({ serviceName: 'logs-shipper', level: 'SILENT', environment: 'bench' }),
      indexPrefix: PREFIX,
      maxPayloadBytes: 32 * 1024 * 1024,
      retry: { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0 },
    });
    const start = Date.now();
    const lines = Array.from({ length: LINES }, (_, n) => accessLine(start + n, n));

    /** A fresh index for the run, created before the clock starts. */
    const freshIndex = async (events: CloudWatchLogEvent[][]) => {
      await client.indices.delete({ index: `${PREFIX}-*`, allow_no_indices: true, ignore_unavailable: true });
      const first = events[0]?.[0];
      if (first) await client.indices.create({ index: logDocuments(origin, PREFIX)(first).index });
      await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
    };
    const viaShipper = async (concurrency: number) => {
      const events = batches(lines);
      const deliveries = events.map((logEvents) =>
        encodeSubscriptionEvent({
          messageType: 'DATA_MESSAGE',
          ...origin,
          subscriptionFilters: ['bench'],
          logEvents,
        }),
      );
      await freshIndex(events);
      return timed(deliveries, concurrency, async (delivery) => {
        const report = await shipper(delivery);
        if (report.indexed !== PER_DELIVERY) throw new Error(`shipped ${report.indexed} of ${PER_DELIVERY}`);
      });
    };
    const bareBulk = async (concurrency: number) => {
      const events = batches(lines);
      const bodies = events.map((logEvents) => {
        const build = logDocuments(origin, PREFIX);
        const documents = logEvents.map((event) => build(event));
        return [...encodedChunks(documents)].map((chunk) => chunk.body).join('');
      });
      await freshIndex(events);
      return timed(bodies, concurrency, async (body) => {
        const answer = await client.bulk({ operations: body as never, filter_path: 'errors' });
        if (answer.errors !== false) throw new Error('the bare bulk request had errors');
      });
    };

    const results = {
      sequential: { shipper: [] as Run[], bare: [] as Run[] },
      concurrent: { shipper: [] as Run[], bare: [] as Run[] },
    };
    // One warm-up of each at each concurrency, unmeasured: the JIT, and Elasticsearch's, whose
    // first measured round had otherwise cost it half as much again per line.
    for (const concurrency of [1, 4]) {
      await viaShipper(concurrency);
      await bareBulk(concurrency);
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const [mode, concurrency] of [
        ['sequential', 1],
        ['concurrent', 4],
      ] as const) {
        // Alternate which goes first, so neither always meets a warmer or a busier cluster.
        if (round % 2 === 0) {
          results[mode].shipper.push(await viaShipper(concurrency));
          results[mode].bare.push(await bareBulk(concurrency));
        } else {
          results[mode].bare.push(await bareBulk(concurrency));
          results[mode].shipper.push(await viaShipper(concurrency));
        }
      }
    }

    const median = (values: number[]) =>
      [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? 0;
    console.log(
      `| ${LINES.toLocaleString('en')} CloudWatch lines, deliveries of ${PER_DELIVERY} | shipper lines/s | bare _bulk lines/s | shipper / bare | rounds (shipper/bare) | CPU µs/line here (shipper / bare) |`,
    );
    console.log('|---|---|---|---|---|---|');
    for (const [mode, label] of [
      ['sequential', 'one invocation at a time'],
      ['concurrent', '4 concurrent invocations'],
    ] as const) {
      const { shipper: shipped, bare } = results[mode];
      const rate = (runs: Run[]) => median(runs.map((run) => run.linesPerSecond));
      const cpu = (runs: Run[]) => median(runs.map((run) => run.cpuPerLine)).toFixed(1);
      const rounds = shipped
        .map((run, n) => `${((run.linesPerSecond / (bare[n]?.linesPerSecond ?? 1)) * 100).toFixed(0)} %`)
        .join(', ');
      console.log(
        `| ${label} | ${rate(shipped).toFixed(0)} | ${rate(bare).toFixed(0)} | ${((rate(shipped) / rate(bare)) * 100).toFixed(0)} % | ${rounds} | ${cpu(shipped)} / ${cpu(bare)} |`,
      );
    }
  } finally {
    await client.close();
    await elasticsearch.stop();
    rmSync(runDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : String(error));
  process.exit(1);
});
