import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Client, HttpConnection } from '@elastic/elasticsearch';
import { ACTOR_TOKEN_HEADER, actorTokenSigner } from '#lib/actor-token';
import { createElasticsearchClient } from '#lib/elasticsearch';
import { esSongIndex } from '#services/catalog/search/es-song-index';
import type { SongChange } from '#services/catalog/search/port';
import { songFromFields } from '#services/catalog/song-row';
import { freePort } from '#test/support/child';
import { RELEVANCE_QUERIES } from '#test/support/relevance/queries';
import { startStack } from '#test/support/stack';
import { deployedEnv, measureInit } from './bench/init.ts';
import { type LoadResult, percentile, runInterleaved, runLoad } from './bench/load.ts';
import { measureInspection, measureUploadToReady } from './bench/media.ts';
import { pitchPageLoad } from './bench/pitch.ts';
import {
  connectionClassRows,
  measureWriteToVisible,
  searchShapeLoadRows,
  searchShapeRows,
} from './bench/search-shapes.ts';
import { startServerProcess } from './bench/serve.ts';
import { chainSettled } from './bench/settle.ts';
import { usageLakeBench } from './bench/usage.ts';
import { usagePublishRows } from './bench/usage-publish.ts';
import { loadCatalog, measureKeystrokes, pageBytes, typedQueries } from './bench/web.ts';
import { readCatalog } from './catalog/rows.ts';
import { bootstrapLocal } from './local/bootstrap.ts';
import { startLocalServer } from './local/server.ts';
import { startLocalSync } from './local/sync.ts';
import { issueLocalAccessToken } from './token.ts';

/**
 * `npm run bench -- bff search` runs only those sections (and the baseline); no argument runs all.
 * `usage` runs the lake bench and what publishing costs a request; `usage-publish` only the latter.
 * `init` measures the built bundles of `dist/`, or of the build directory given as `--dist <dir>`.
 * `tracing` and `logs-shipper` are scripts of their own ({@link OWN_STACK_SECTIONS}).
 */
const SECTIONS = [
  'init',
  'lag',
  'search',
  'bff',
  'playlists',
  'usage',
  'usage-publish',
  'import',
  'media',
  'web',
  'tracing',
  'logs-shipper',
] as const;
type Section = (typeof SECTIONS)[number];
const args = process.argv.slice(2);
const chosen = args.filter((arg): arg is Section => (SECTIONS as readonly string[]).includes(arg));
const wants = (section: Section) => chosen.length === 0 || chosen.includes(section);
/**
 * Sections that start what they need themselves (a stack of their own, or Elasticsearch alone) and
 * print their own table: run as child processes once this bench's stack is stopped, one at a time.
 */
const OWN_STACK_SECTIONS = {
  tracing: 'scripts/bench/tracing.ts',
  'logs-shipper': 'scripts/bench/logs-shipper.ts',
} as const;
const ownStack = (section: Section): section is keyof typeof OWN_STACK_SECTIONS =>
  section in OWN_STACK_SECTIONS;
/** The sections that run servers under load; `init`, `media`, `web` and the own-stack ones need none. */
const SERVER_SECTIONS = SECTIONS.filter(
  (section) => section !== 'init' && section !== 'media' && section !== 'web' && !ownStack(section),
);
const distFlag = args.indexOf('--dist');
const DIST = path.resolve(distFlag >= 0 ? (args[distFlag + 1] ?? 'dist') : 'dist');
// A misspelt section would otherwise be ignored, and the whole bench (many minutes) would run.
const unknown = args.filter(
  (arg, n) =>
    !(SECTIONS as readonly string[]).includes(arg) &&
    arg !== '--dist' &&
    (distFlag < 0 || n !== distFlag + 1),
);
if (unknown.length > 0) {
  console.error(
    `Unknown bench section: ${unknown.join(' ')}. Choose from: ${SECTIONS.join(', ')} (none: all).`,
  );
  process.exit(2);
}
const INIT_RUNS = 5;

const CATALOG = new URL('../../shared/data/catalog/hot100-songs.csv', import.meta.url).pathname;
const REPLICAS = 8;
/** Slices of each cached read and of hello-world, in turns. */
const SLICES = 4;
const SLICE_SECONDS = 4;

interface Row {
  bench: string;
  value: string;
  ratio?: string;
  note?: string;
}
const rows: Row[] = [];
/** Each row is printed as soon as it is measured, and the whole table again at the end. */
const record = (row: Row) => {
  rows.push(row);
  console.log(
    `  → ${row.bench}: ${row.value}${row.ratio ? ` (${row.ratio})` : ''}${row.note ? ` [${row.note}]` : ''}`,
  );
};
const ms = (value: number) => `${value.toFixed(1)} ms`;
/** How much the cache buys: cached vs uncached throughput, and uncached vs cached median latency. */
const speedup = (cached: LoadResult, uncached: LoadResult) =>
  `${(cached.rps / uncached.rps).toFixed(1)}× the req/s of the uncached read, p50 ${(uncached.p50 / cached.p50).toFixed(1)}× lower`;
const loadRow = (bench: string, result: LoadResult, baseline?: LoadResult, note?: string) =>
  record({
    bench,
    value: `${result.rps.toFixed(0)} req/s, p50 ${ms(result.p50)}, p95 ${ms(result.p95)}, p99 ${ms(result.p99)}${result.errors ? `, ${result.errors} errors` : ''}`,
    ...(baseline
      ? { ratio: `${((result.rps / baseline.rps) * 100).toFixed(0)} % of hello-world req/s` }
      : {}),
    ...(note ? { note } : {}),
  });

/**
 * `npm run bench`: the numbers behind the speed goals, as ratios against a baseline measured in
 * the same run on the same machine. Starts its own throwaway stack; takes a few minutes.
 */
async function main(): Promise<void> {
  const log = (line: string) => console.log(line);
  if (SECTIONS.some((section) => !ownStack(section) && wants(section))) await sharedStackSections(log);
  for (const section of SECTIONS.filter(ownStack).filter(wants)) {
    log(`${section}: npx tsx ${OWN_STACK_SECTIONS[section]}…`);
    await runScript(OWN_STACK_SECTIONS[section]);
  }
}

/**
 * The environment this bench was started with: the shared-stack sections point `process.env` at their
 * stack (DATABASE_URL and the rest), which is stopped by the time an own-stack script starts.
 */
const STARTING_ENV = { ...process.env };

/** Runs a bench script with this process's output; rejects when it fails. */
function runScript(script: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script], {
      stdio: 'inherit',
      env: STARTING_ENV,
    });
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${script} exited with ${code}`))));
  });
}

/** Every section but the own-stack ones, on one throwaway stack, and then the table of their rows. */
async function sharedStackSections(log: (line: string) => void): Promise<void> {
  log('Starting a throwaway stack for the benchmarks…');
  const stack = await startStack({ persistent: false, progress: log });
  const { env } = await bootstrapLocal(stack.urls, () => {});
  try {
    // First, on a quiet machine: nothing else of the bench runs yet.
    if (wants('init')) await initSection(env);
    if (wants('media')) await mediaSection(env);
    if (wants('web')) await webSection(env);
    if (SERVER_SECTIONS.some(wants)) await serverSections(env, log);
  } finally {
    await stack.stop();
  }
  printTable();
}

/** Cold start of each built function: a fresh process imports its bundle, with the env it needs. */
async function initSection(env: Record<string, string>): Promise<void> {
  if (!existsSync(DIST)) {
    record({
      bench: 'cold-start init (import + wiring)',
      value: 'skipped',
      note: `run npm run build first (no ${DIST})`,
    });
    return;
  }
  console.log(`cold-start init of each bundle in ${DIST}, median of ${INIT_RUNS} fresh processes…`);
  for (const timing of await measureInit(DIST, deployedEnv(env), INIT_RUNS)) {
    const sorted = [...timing.runs].sort((a, b) => a - b);
    const bundle = `bundle ${(timing.bytes / 1024).toFixed(0)} kB`;
    record({
      bench: `cold-start init (import + wiring): ${timing.name}`,
      value: timing.error ? 'failed' : `median ${ms(percentile(sorted, 50))}`,
      note: timing.error
        ? `${bundle}; ${timing.error}`
        : `${bundle}; runs ${ms(sorted[0] ?? 0)}–${ms(sorted.at(-1) ?? 0)}`,
    });
  }
}

/** The media inspector: its work per MB of each format, and how long a curator waits for `ready`. */
async function mediaSection(env: Record<string, string>): Promise<void> {
  console.log('media inspection, median of 10 runs per file, against moto…');
  for (const timing of await measureInspection(env, 10)) {
    record({
      bench: `media inspection: ${timing.label}`,
      value: `${timing.msPerMb.toFixed(1)} ms/MB`,
      note: `median ${ms(timing.medianMs)} per file`,
    });
  }
  console.log('upload → ready through the local stack, 30 uploads of the MP3 fixture…');
  const server = await startLocalServer({ ...env, LOG_LEVEL: 'WARN' }, await freePort());
  const sync = await startLocalSync({ env: { ...env, LOG_LEVEL: 'WARN' } });
  try {
    const curator = await issueLocalAccessToken(server.oidcIssuer, 'curator');
    const latencies = await measureUploadToReady(`${server.url}/api`, curator, 30);
    record({
      bench: 'media upload → ready, 30 uploads of a 12 kB MP3, one at a time',
      value: `p50 ${ms(percentile(latencies, 50))}, p99 ${ms(percentile(latencies, 99))}`,
      note: "the local poller long-polls moto for up to 1 s, as Lambda's SQS event source long-polls",
    });
  } finally {
    await sync.stop();
    await server.close();
  }
}

/** The front end: JavaScript per page, and keystroke → results rendered in Chromium on the sample catalog. */
async function webSection(env: Record<string, string>): Promise<void> {
  for (const page of await pageBytes(path.join(DIST, 'web'))) {
    record({
      bench: `web page JavaScript: ${page.name}`,
      value: `${(page.js.gzip / 1024).toFixed(1)} kB gzip`,
      note: `${(page.js.raw / 1024).toFixed(1)} kB raw; CSS ${(page.css.gzip / 1024).toFixed(1)} kB gzip`,
    });
  }
  const server = await startLocalServer(
    { ...env, LOG_LEVEL: 'WARN', RATE_LIMIT_ANONYMOUS_PER_MINUTE: '1000000000' },
    await freePort(),
  );
  try {
    console.log('loading the sample catalog for the search box…');
    const songs = await loadCatalog(server.internalUrl, CATALOG, env);
    const queries = await typedQueries(CATALOG, 50);
    console.log(`typing ${queries.length} queries into the search box in Chromium, a key every 150 ms…`);
    const timings = await measureKeystrokes(server.url, queries, 150);
    const summary = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      return `p50 ${ms(percentile(sorted, 50))}, p95 ${ms(percentile(sorted, 95))}`;
    };
    record({
      bench: `web search box: keystroke → results rendered, every keystroke (${songs} songs)`,
      value: summary(timings.all),
      note: `${timings.all.length} keystrokes rendered, ${timings.overtaken} overtaken by the next key; includes the 120 ms debounce`,
    });
    record({
      bench: 'web search box: last keystroke of each of 50 queries → results rendered',
      value: summary(timings.last),
      note: 'includes the 120 ms debounce',
    });
  } finally {
    await server.close();
  }
}

async function serverSections(env: Record<string, string>, log: (line: string) => void): Promise<void> {
  // One access-log line per request would measure the terminal, not the system.
  // Rate limits are lifted: the load comes from one address, as no real crowd does.
  Object.assign(process.env, env, {
    LOG_LEVEL: 'WARN',
    RATE_LIMIT_ANONYMOUS_PER_MINUTE: '1000000000',
    RATE_LIMIT_USER_PER_MINUTE: '1000000000',
  });
  // This process keeps the OpenID provider (tokens) and the local chain. Each server under load runs
  // in a process of its own, as each Lambda does: the BFF alone, calling the services in another
  // process over HTTP. The load comes from a worker thread here.
  const server = await startLocalServer(process.env, await freePort());
  const servicesServer = await startServerProcess('services', {
    ...process.env,
    OIDC_ISSUER: server.oidcIssuer,
  });
  const childEnv = { ...process.env, OIDC_ISSUER: server.oidcIssuer, SERVICES_BASE_URL: servicesServer.url };
  const cachedServer = await startServerProcess('bff', childEnv);
  // The same system with the read cache switched off: every read goes to the services. Search
  // and lag rows use it, so they keep measuring the search path rather than the cache.
  const uncachedServer = await startServerProcess('bff', { ...childEnv, READ_CACHE: 'off' });
  await songIndexReady(process.env.ELASTICSEARCH_URL as string);
  const sync = await startLocalSync({ env: process.env });
  const helloServer = await startServerProcess('hello', process.env);
  try {
    const api = `${cachedServer.url}/api`;
    const uncachedApi = `${uncachedServer.url}/api`;
    const load = (urls: string[], concurrency: number, headers?: Record<string, string>) =>
      runLoad({ urls, concurrency, seconds: 8, ...(headers ? { headers } : {}) });

    log('baseline: bare Hono hello-world…');
    const baseline = await load([`${helloServer.url}/hello`], 64);
    loadRow('hello-world (bare Hono, same machine), 64 connections', baseline, undefined, 'the ceiling');

    const curator = await issueLocalAccessToken(server.oidcIssuer, 'curator');
    const headers = { 'content-type': 'application/json', authorization: `Bearer ${curator}` };
    const probe = await fetch(`${api}/songs`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ title: 'Bench Probe', artist: 'Bench' }),
    });
    if (probe.status !== 201)
      throw new Error(`could not create the probe song: ${probe.status} ${await probe.text()}`);
    const { id: anyId } = (await probe.json()) as { id: string };

    // Right after the baseline, and before the search rows fill Elasticsearch (whose merges go on
    // in the background for a while): every ratio of this section is taken on the same quiet machine.
    if (wants('bff')) {
      log('reference: hello-world plus one Redis GET…');
      const redisHello = await startServerProcess('hello-redis', process.env);
      loadRow(
        'hello-world + one Redis GET (bare Hono, ioredis), 64 connections',
        await load([`${redisHello.url}/hello`], 64),
        baseline,
        'what a read answered from Redis costs at the least',
      );
      await redisHello.stop();

      // The machine's speed drifts over a run, so each cached row is measured in slices interleaved
      // with slices of hello-world, and compared with those.
      const againstHello = (urls: string[], headers?: Record<string, string>) =>
        runInterleaved(
          { urls: [`${helloServer.url}/hello`], concurrency: 64, seconds: SLICE_SECONDS, warmupSeconds: 0.5 },
          {
            urls,
            concurrency: 64,
            seconds: SLICE_SECONDS,
            warmupSeconds: 0.5,
            ...(headers ? { headers } : {}),
          },
          SLICES,
        );
      const beside = ({ baseline, sliceRatios }: Awaited<ReturnType<typeof againstHello>>) => {
        const percents = sliceRatios.map((ratio) => Math.round(ratio * 100));
        return `interleaved with hello-world in ${SLICES} × ${SLICE_SECONDS} s slices: hello ${baseline.rps.toFixed(0)} req/s, slices ${Math.min(...percents)}–${Math.max(...percents)} %`;
      };

      /** One read with the read cache hit (interleaved with hello-world) and switched off: two rows. */
      const cachedAndUncached = async (label: string, path: string, headers?: Record<string, string>) => {
        log(`${label}, read cache on (interleaved with hello-world) and off…`);
        const cached = await againstHello([`${api}${path}`], headers);
        const uncached = await load([`${uncachedApi}${path}`], 64, headers);
        loadRow(
          `${label}, read cache hit, 64 connections`,
          cached.candidate,
          cached.baseline,
          `${speedup(cached.candidate, uncached)}; ${beside(cached)}`,
        );
        loadRow(`${label}, read cache off, 64 connections`, uncached, baseline);
      };
      await cachedAndUncached('GET /api/songs/:id', `/songs/${anyId}`);
      const singer = await issueLocalAccessToken(server.oidcIssuer, 'singer1');
      await cachedAndUncached('GET /api/me (Bearer)', '/me', { authorization: `Bearer ${singer}` });
    }

    if (wants('playlists')) {
      log('a playlist of 1,000 different songs…');
      const owner = await issueLocalAccessToken(server.oidcIssuer, 'singer1');
      const auth = { authorization: `Bearer ${owner}` };
      const playlistId = await buildPlaylist(
        api,
        headers,
        { ...auth, 'content-type': 'application/json' },
        1000,
      );
      await chainSettled(process.env, log);
      const path = `/playlists/${playlistId}`;
      log('GET /api/playlists/:id, 1,000 items, read cache on and off…');
      const label = 'GET /api/playlists/:id, 1,000 items (1,000 songs)';
      const cachedOne = await load([`${api}${path}`], 1, auth);
      const cachedMany = await load([`${api}${path}`], 16, auth);
      // One connection: each uncached read makes a playlists call and a catalog lookup of 1,000 ids.
      const uncached = await load([`${uncachedApi}${path}`], 1, auth);
      loadRow(`${label}, read cache hit, 1 connection`, cachedOne, baseline, speedup(cachedOne, uncached));
      loadRow(`${label}, read cache hit, 16 connections`, cachedMany, baseline);
      loadRow(
        `${label}, read cache off, 1 connection`,
        uncached,
        baseline,
        'one playlists call and one catalog lookup of 1,000 ids per request',
      );

      log('GET /p/<token>: a pitch of 10 songs, interleaved with the cached song read…');
      const pitchPage = await pitchPageLoad({
        api,
        curator: headers,
        owner: auth,
        songs: 10,
        baselineUrl: `${api}/songs/${anyId}`,
        concurrency: 16,
        sliceSeconds: SLICE_SECONDS,
        slices: SLICES,
      });
      loadRow(
        'GET /p/<token> (pitch page, 10 songs), 16 connections',
        pitchPage.candidate,
        undefined,
        `${((pitchPage.candidate.rps / pitchPage.baseline.rps) * 100).toFixed(0)} % of the req/s of GET /api/songs/:id (read cache hit) in the same slices: ${pitchPage.baseline.rps.toFixed(0)} req/s, p50 ${ms(pitchPage.baseline.p50)}; each view is a playlists call that counts the open (a row and its outbox event)`,
      );
    }

    if (wants('lag')) {
      log('write → searchable lag…');
      const lags = await measureLag(uncachedApi, curator, 500, 5);
      record({
        bench: 'write → searchable lag, 500 single-song writes (5 writers), read cache off',
        value: `p50 ${ms(percentile(lags, 50))}, p95 ${ms(percentile(lags, 95))}, p99 ${ms(percentile(lags, 99))}`,
        note: 'polling a BFF with the read cache off',
      });
      log('write → visible through the cached BFF, the query asked just before each write…');
      const visible = await measureWriteToVisible(api, curator, 25);
      record({
        bench: 'write → visible in search through the BFF, read cache on, query asked before the write',
        value: `p50 ${ms(percentile(visible, 50))}, p99 ${ms(percentile(visible, 99))}`,
        note: `${visible.length} writes, one at a time, polled every 20 ms; outbox → pg_notify → change-publisher → moto SNS → SQS → poller (1 s long poll) → indexer (refresh wait_for, then invalidates songs:search)`,
      });
    }

    if (wants('search')) {
      log('loading the 12.7k catalog into the index…');
      await replicateIntoIndex(process.env.ELASTICSEARCH_URL as string, [0]);

      const queries = [
        'dont sto',
        'shape of y',
        'bohemain rhapsody',
        'taylor swift',
        'hello adele',
        'halsey closer',
        'beyonce',
        'uptown fu',
      ];
      const searchUrls = (base: string) =>
        queries.map((q) => `${base}/songs/search?q=${encodeURIComponent(q)}&limit=10`);
      for (const concurrency of [1, 32]) {
        log(`search, ${concurrency} connections, 12.7k catalog…`);
        loadRow(
          `GET /api/songs/search, 12.7k songs, ${concurrency} connection(s), read cache off`,
          await load(searchUrls(uncachedApi), concurrency),
          baseline,
        );
      }
      const elasticsearchUrl = process.env.ELASTICSEARCH_URL as string;
      const shapeQueries = RELEVANCE_QUERIES.map((query) => query.q);
      log('search request shapes against the floor query, 12.7k catalog…');
      await searchShapeRows(elasticsearchUrl, '12.7k songs', shapeQueries, record);
      await searchShapeLoadRows(elasticsearchUrl, '12.7k songs', shapeQueries, record);
      log('Elasticsearch client connection classes…');
      await connectionClassRows(elasticsearchUrl, shapeQueries, record);
      /** The search box's request and facets=true through the BFF, in interleaved slices. */
      const boxAndPage = async (size: string) => {
        log(`search as the box asks and with facets=true through the BFF, 32 connections, ${size}…`);
        const slice = { concurrency: 32, seconds: SLICE_SECONDS, warmupSeconds: 0.5 };
        const { baseline: box, candidate: page } = await runInterleaved(
          { ...slice, urls: searchUrls(uncachedApi) },
          { ...slice, urls: searchUrls(uncachedApi).map((url) => `${url}&facets=true`) },
          SLICES,
        );
        const interleaved = `${SLICES} × ${SLICE_SECONDS} s slices, the two in turns`;
        loadRow(
          `GET /api/songs/search (search box), ${size}, 32 connections, read cache off`,
          box,
          baseline,
          interleaved,
        );
        loadRow(
          `GET /api/songs/search?facets=true, ${size}, 32 connections, read cache off`,
          page,
          baseline,
          `${((page.rps / box.rps) * 100).toFixed(0)} % of the search box's req/s; ${interleaved}`,
        );
      };
      await boxAndPage('12.7k songs');
      log('search through the read cache, 32 connections…');
      loadRow(
        'GET /api/songs/search, 12.7k songs, 32 connections, read cache on (8 queries, 2 s TTL)',
        await load(searchUrls(api), 32),
        baseline,
      );

      log(`replicating the catalog ×${REPLICAS} into the index…`);
      const total =
        (await replicateIntoIndex(process.env.ELASTICSEARCH_URL as string, [1, 2, 3, 4, 5, 6, 7])) + 12_694;
      for (const concurrency of [1, 32]) {
        log(`search, ${concurrency} connections, ×${REPLICAS} catalog…`);
        loadRow(
          `GET /api/songs/search, ${total.toLocaleString('en')} songs (×${REPLICAS}), ${concurrency} connection(s), read cache off`,
          await load(searchUrls(uncachedApi), concurrency),
          baseline,
          'replicas written to the index directly, titles suffixed " (replica n)"',
        );
      }
      const size = `${total.toLocaleString('en')} songs`;
      log(`search request shapes against the floor query, ${size}…`);
      await searchShapeRows(elasticsearchUrl, size, shapeQueries, record);
      await searchShapeLoadRows(elasticsearchUrl, size, shapeQueries, record);
      await boxAndPage(size);
    }

    if (wants('usage')) {
      log('usage: the archiver, compaction and the named queries over a day of 100,000 events…');
      await usageLakeBench(env, record);
    }
    if (wants('usage') || wants('usage-publish')) {
      await usagePublishRows(childEnv, record, log);
    }

    if (wants('import')) {
      // Last, because it leaves 12.7k changes for the local chain to work through.
      log('catalog import…');
      const imported = await importCatalog(server.internalUrl);
      record({
        bench: 'catalog import through the catalog service (12,694 rows)',
        value: `${imported.toFixed(0)} rows/s`,
        note: 'rows written (triggers fired); indexing them through moto takes far longer',
      });
    }
  } finally {
    await helloServer.stop();
    await sync.stop();
    await Promise.all([cachedServer.stop(), uncachedServer.stop(), servicesServer.stop()]);
    await server.close();
  }
}

/** A playlist of `size` new songs, one item each, made through the BFF; answers its id. */
async function buildPlaylist(
  api: string,
  curator: Record<string, string>,
  owner: Record<string, string>,
  size: number,
): Promise<string> {
  const send = async (url: string, headers: Record<string, string>, body: unknown) => {
    const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
    if (response.status !== 201) throw new Error(`${url}: ${response.status} ${await response.text()}`);
    return (await response.json()) as { id: string };
  };
  const { id } = await send(`${api}/playlists`, owner, { name: 'Bench: 1,000 items' });
  let next = 0;
  const worker = async () => {
    while (next < size) {
      const n = next++;
      const song = await send(`${api}/songs`, curator, {
        title: `Bench Playlist Song ${n}`,
        artist: 'Bench',
      });
      await send(`${api}/playlists/${id}/items`, owner, { songId: song.id });
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return id;
}

async function importCatalog(servicesUrl: string): Promise<number> {
  const signer = actorTokenSigner(process.env.ACTOR_TOKEN_SIGNING_KEY ?? '');
  const started = Date.now();
  let batch: unknown[] = [];
  let count = 0;
  const send = async () => {
    if (batch.length === 0) return;
    const response = await fetch(`${servicesUrl}/internal/catalog/songs/import`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [ACTOR_TOKEN_HEADER]: await signer.sign('catalog') },
      body: JSON.stringify({ songs: batch }),
    });
    if (!response.ok) throw new Error(`import failed: ${response.status} ${await response.text()}`);
    batch = [];
  };
  for await (const row of readCatalog(CATALOG)) {
    if (!row.ok) continue;
    batch.push(row.song);
    count++;
    if (batch.length === 500) await send();
  }
  await send();
  return count / ((Date.now() - started) / 1000);
}

/** Writers each create songs one at a time and poll search until the new song shows up. */
async function measureLag(api: string, token: string, writes: number, writers: number): Promise<number[]> {
  const lags: number[] = [];
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const writer = async (w: number) => {
    for (let n = 0; n < writes / writers; n++) {
      const marker = `lagprobe${w}x${n}q${Math.random().toString(36).slice(2, 8)}`;
      const response = await fetch(`${api}/songs`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ title: `${marker} Song`, artist: 'Bench Writer' }),
      });
      if (response.status !== 201)
        throw new Error(`write failed: ${response.status} ${await response.text()}`);
      const written = performance.now();
      while (true) {
        const result = (await (await fetch(`${api}/songs/search?q=${marker}&limit=1`)).json()) as {
          total: number;
        };
        if (result.total > 0) break;
        if (performance.now() - written > 60_000) throw new Error(`song ${marker} not searchable after 60 s`);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      lags.push(performance.now() - written);
    }
  };
  await Promise.all(Array.from({ length: writers }, (_, w) => writer(w)));
  return lags.sort((a, b) => a - b);
}

/**
 * Creates the song index before the local chain asks for it: on a busy machine a fresh
 * Elasticsearch can take longer than one request's timeout to create it (creating is idempotent).
 */
async function songIndexReady(elasticsearchUrl: string): Promise<void> {
  const client = createElasticsearchClient({ ELASTICSEARCH_URL: elasticsearchUrl });
  try {
    for (let attempt = 1; ; attempt++) {
      try {
        await esSongIndex(client).ensureReady();
        return;
      } catch (error) {
        if (attempt >= 10) throw error;
        await new Promise((resolve) => setTimeout(resolve, 2000));
      }
    }
  } finally {
    await client.close();
  }
}

/** Writes copies of the catalog to the index directly (replica 0 = the titles as they are). */
async function replicateIntoIndex(elasticsearchUrl: string, replicas: number[]): Promise<number> {
  // A bulk of 2,000 songs can take longer than the functions' 5 s request timeout on a busy machine.
  const client = new Client({ node: elasticsearchUrl, Connection: HttpConnection, requestTimeout: 120_000 });
  const index = esSongIndex(client);
  let total = 0;
  let batch: SongChange[] = [];
  const now = new Date().toISOString();
  const flush = async () => {
    if (batch.length === 0) return;
    const outcomes = await index.apply(batch);
    const failed = outcomes.filter((outcome) => outcome.result === 'failed');
    if (failed.length > 0) throw new Error(`replica indexing failed: ${JSON.stringify(failed[0])}`);
    batch = [];
  };
  let n = 0;
  for await (const row of readCatalog(CATALOG)) {
    if (!row.ok) continue;
    for (const replica of replicas) {
      n++;
      const id = `00000000-0000-4000-8${String(replica).padStart(3, '0')}-${String(n).padStart(12, '0')}`;
      const title = replica === 0 ? row.song.title : `${row.song.title} (replica ${replica})`;
      batch.push({ op: 'upsert', song: songFromFields({ ...row.song, title }, { id, version: 1, at: now }) });
      if (batch.length === 2000) await flush();
    }
    total++;
  }
  await flush();
  await client.indices.refresh({ index: 'songs' });
  await client.close();
  return total * replicas.length;
}

function printTable(): void {
  const header = ['bench', 'measured', 'against the baseline', 'note'];
  const table = [header, ...rows.map((row) => [row.bench, row.value, row.ratio ?? '', row.note ?? ''])];
  const widths = header.map((_, column) => Math.max(...table.map((line) => (line[column] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join(' | ')} |`;
  console.log(`\n${line(header)}\n| ${widths.map((width) => '-'.repeat(width)).join(' | ')} |`);
  for (const cells of table.slice(1)) console.log(line(cells));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : String(error));
  process.exit(1);
});
