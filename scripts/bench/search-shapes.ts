import { Client, HttpConnection, UndiciConnection } from '@elastic/elasticsearch';
import type { SongSearchQuery } from '#services/catalog/search/port';
import { BOOSTS, needsTypoSearch, planSongSearch } from '#services/catalog/search/query';
import { percentile, runLoad } from './load.ts';

/** A bench row, as scripts/bench.ts records it. */
export interface SearchBenchRow {
  bench: string;
  value: string;
  ratio?: string;
  note?: string;
}
type RecordRow = (row: SearchBenchRow) => void;

const READ_ALIAS = 'songs';
const LIMIT = 10;

/** One search as Elasticsearch gets it: the body, without the index. */
type SearchBody = object;

/**
 * The three requests compared, per query:
 * - `floor`: the plainest prefix query Elasticsearch has, `multi_match` `bool_prefix` on title and
 *   artist, the page size ours asks for and nothing else;
 * - `box`: ours as the search box asks (no facets), its typo request too when the first asks for it;
 * - `page`: ours with `facets=true` (facet counts and the exact total), typo request likewise.
 */
export function shapeRequests(q: string): { floor: SearchBody[]; box: SearchBody[]; page: SearchBody[] } {
  const floor = {
    size: LIMIT + 1,
    query: { multi_match: { query: q, type: 'bool_prefix', fields: ['title', 'artist'] } },
  };
  return { floor: [floor], box: ours({ q, limit: LIMIT }), page: ours({ q, limit: LIMIT, facets: true }) };
}

/** The requests our search sends for a query: the first, and the typo search only when it would run. */
function ours(query: SongSearchQuery): SearchBody[] {
  return [planSongSearch(query).request, planSongSearch(query, BOOSTS, { typos: true }).request];
}

interface Timing {
  took: number[];
  roundTrip: number[];
  requests: number;
  searches: number;
  /** Mean time on the shard per search (query and fetch phases), from the index's search stats. */
  shardMs: number;
  /** The same per query (its mean over the rounds): the p50 over queries is the typical search's. */
  shardMsPerQuery: number[];
}

type Shape = 'floor' | 'box' | 'page';
const SHAPES: Shape[] = ['floor', 'box', 'page'];

/**
 * Each shape's requests for each query are counted in a search stats group of their own. A group's
 * query and fetch times add up nanoseconds before they are shown in ms, so over many rounds their
 * mean is precise where `took` (whole ms, rounded down per search) reads 0 for most sub-millisecond
 * searches; one group per query gives a median over queries besides the mean.
 */
const statsGroup = (shape: Shape, query: number) => `bench-shape-${shape}-${query}`;

/** Query and fetch ms so far of each shape's group for each query. */
async function shardTimes(client: Client, queries: number): Promise<Record<Shape, number[]>> {
  const stats = await client.indices.stats({ index: READ_ALIAS, metric: 'search', groups: 'bench-shape-*' });
  const groups = stats._all.total?.search?.groups ?? {};
  const of = (shape: Shape) =>
    Array.from({ length: queries }, (_, query) => {
      const group = groups[statsGroup(shape, query)];
      return (group?.query_time_in_millis ?? 0) + (group?.fetch_time_in_millis ?? 0);
    });
  return { floor: of('floor'), box: of('box'), page: of('page') };
}

/**
 * `took` (Elasticsearch's own time for the search, in whole ms) and round trip of each shape, the
 * shapes taken in turns query by query so the machine's drift falls on all three alike. A search of
 * ours that runs its typo request counts both requests' `took` and time.
 */
export async function measureShapes(
  client: Client,
  queries: string[],
  rounds: number,
): Promise<{ floor: Timing; box: Timing; page: Timing }> {
  const empty = (): Timing => ({
    took: [],
    roundTrip: [],
    requests: 0,
    searches: 0,
    shardMs: 0,
    shardMsPerQuery: [],
  });
  const timings = { floor: empty(), box: empty(), page: empty() };
  const send = async (shape: Shape, query: number, body: SearchBody) => {
    const started = performance.now();
    const response = await client.search({
      index: READ_ALIAS,
      ...body,
      request_cache: false,
      stats: [statsGroup(shape, query)],
    });
    return { response, ms: performance.now() - started };
  };
  let before = await shardTimes(client, queries.length);
  for (let round = 0; round <= rounds; round++) {
    if (round === 1) before = await shardTimes(client, queries.length);
    for (const [index, q] of queries.entries()) {
      const requests = shapeRequests(q);
      for (const shape of SHAPES) {
        const [first, withTypos] = requests[shape] as [SearchBody, SearchBody?];
        const one = await send(shape, index, first);
        let took = one.response.took;
        let ms = one.ms;
        let sent = 1;
        const plan = planSongSearch({ q, limit: LIMIT, facets: shape === 'page' });
        if (shape !== 'floor' && withTypos && needsTypoSearch(plan, one.response)) {
          const two = await send(shape, index, withTypos);
          took += two.response.took;
          ms += two.ms;
          sent++;
        }
        // Round 0 warms caches and connections up.
        if (round === 0) continue;
        const timing = timings[shape];
        timing.took.push(took);
        timing.roundTrip.push(ms);
        timing.requests += sent;
        timing.searches++;
      }
    }
  }
  const after = await shardTimes(client, queries.length);
  for (const shape of SHAPES) {
    const perQuery = after[shape].map((ms, query) => (ms - (before[shape][query] ?? 0)) / rounds);
    timings[shape].shardMsPerQuery = perQuery;
    timings[shape].shardMs = mean(perQuery);
  }
  return timings;
}

const sorted = (values: number[]) => [...values].sort((a, b) => a - b);
const mean = (values: number[]) => values.reduce((sum, value) => sum + value, 0) / values.length;
const ms = (value: number) => `${value.toFixed(1)} ms`;

/** The `took` rows of one catalog size: the floor query, ours as the box asks, ours with facets. */
export async function searchShapeRows(
  elasticsearchUrl: string,
  size: string,
  queries: string[],
  record: RecordRow,
  rounds = 20,
): Promise<void> {
  const client = new Client({ node: elasticsearchUrl, Connection: HttpConnection });
  try {
    const timings = await measureShapes(client, queries, rounds);
    const floor = timings.floor;
    const floorP50 = percentile(sorted(floor.took), 50);
    const floorMean = mean(floor.took);
    const shardP50 = (timing: Timing) => percentile(sorted(timing.shardMsPerQuery), 50);
    const row = (label: string, timing: Timing, baseline: boolean, note: string) => {
      const took = sorted(timing.took);
      const p50 = percentile(took, 50);
      record({
        bench: `search took, ${size}: ${label}`,
        value: `shard time p50 ${shardP50(timing).toFixed(3)} ms, mean ${timing.shardMs.toFixed(3)} ms; took p50 ${p50} ms, p99 ${percentile(took, 99)} ms, mean ${mean(took).toFixed(2)} ms; round trip p50 ${ms(percentile(sorted(timing.roundTrip), 50))}`,
        ...(baseline
          ? {}
          : {
              ratio: `shard time p50 ${(shardP50(timing) / shardP50(floor)).toFixed(1)}×, mean ${(timing.shardMs / floor.shardMs).toFixed(1)}×; took p50 ${floorP50 > 0 ? `${(p50 / floorP50).toFixed(1)}×` : `${p50} ms vs 0 ms`}, mean ${(mean(took) / floorMean).toFixed(1)}× the floor query's`,
            }),
        note: `${note}; ${queries.length} queries × ${rounds} rounds, one at a time, shapes in turns; shard time: query and fetch phases from the index's search stats, to the microsecond, per query (its mean over the rounds), then p50 and mean over the queries`,
      });
    };
    row('floor (multi_match bool_prefix on title, artist)', floor, true, 'the plainest prefix query');
    row(
      'ours, as the search box asks (no facets)',
      timings.box,
      false,
      `${(timings.box.requests / timings.box.searches).toFixed(2)} requests per search (the typo request when no song has every word)`,
    );
    row(
      'ours, facets=true',
      timings.page,
      false,
      `${(timings.page.requests / timings.page.searches).toFixed(2)} requests per search; three facet aggregations, exact total`,
    );
  } finally {
    await client.close();
  }
}

/**
 * Straight to Elasticsearch under load: each shape's requests as GET `_search?source=…`, so the
 * bench's HTTP load generator can send them; ours includes its typo request where the query needs it.
 */
export async function searchShapeLoadRows(
  elasticsearchUrl: string,
  size: string,
  queries: string[],
  record: RecordRow,
  concurrency = 32,
): Promise<void> {
  const client = new Client({ node: elasticsearchUrl, Connection: HttpConnection });
  const urlsOf: { floor: string[]; box: string[]; page: string[] } = { floor: [], box: [], page: [] };
  try {
    for (const q of queries) {
      const requests = shapeRequests(q);
      for (const shape of ['floor', 'box', 'page'] as const) {
        const [first, withTypos] = requests[shape] as [SearchBody, SearchBody?];
        urlsOf[shape].push(searchUrl(elasticsearchUrl, first));
        const response = await client.search({ index: READ_ALIAS, ...first });
        const plan = planSongSearch({ q, limit: LIMIT, facets: shape === 'page' });
        if (shape !== 'floor' && withTypos && needsTypoSearch(plan, response)) {
          urlsOf[shape].push(searchUrl(elasticsearchUrl, withTypos));
        }
      }
    }
  } finally {
    await client.close();
  }
  const floor = await runLoad({ urls: urlsOf.floor, concurrency, seconds: 6 });
  for (const [shape, label] of [
    ['floor', 'floor (multi_match bool_prefix)'],
    ['box', 'ours, as the search box asks'],
    ['page', 'ours, facets=true'],
  ] as const) {
    const result =
      shape === 'floor' ? floor : await runLoad({ urls: urlsOf[shape], concurrency, seconds: 6 });
    // Ours may send two requests for one search: count searches, not requests.
    const searchesPerRequest = queries.length / urlsOf[shape].length;
    record({
      bench: `search straight to Elasticsearch, ${size}, ${concurrency} connections: ${label}`,
      value: `${(result.rps * searchesPerRequest).toFixed(0)} searches/s, p50 ${ms(result.p50)}, p99 ${ms(result.p99)}${result.errors ? `, ${result.errors} errors` : ''}`,
      ...(shape === 'floor'
        ? {}
        : {
            ratio: `${(((result.rps * searchesPerRequest) / floor.rps) * 100).toFixed(0)} % of the floor query's searches/s`,
          }),
      note: `${urlsOf[shape].length} requests for ${queries.length} queries, round-robin`,
    });
  }
}

function searchUrl(elasticsearchUrl: string, body: SearchBody): string {
  const source = encodeURIComponent(JSON.stringify(body));
  return `${elasticsearchUrl}/${READ_ALIAS}/_search?request_cache=false&source_content_type=application/json&source=${source}`;
}

/**
 * The Elasticsearch client's two connection classes on the same search, in the same run: Node's
 * `http` (`HttpConnection`, what the functions use) and undici (`UndiciConnection`, the client's
 * default, stubbed out of the bundles but importable here). Sequential round trips, then a burst of
 * `concurrency` searches at a time, each class in turns.
 */
export async function connectionClassRows(
  elasticsearchUrl: string,
  queries: string[],
  record: RecordRow,
  rounds = 20,
  concurrency = 32,
): Promise<void> {
  const clients = {
    HttpConnection: new Client({ node: elasticsearchUrl, Connection: HttpConnection }),
    UndiciConnection: new Client({ node: elasticsearchUrl, Connection: UndiciConnection }),
  };
  const bodies = queries.map((q) => planSongSearch({ q, limit: LIMIT }).request);
  const sequential: Record<string, number[]> = { HttpConnection: [], UndiciConnection: [] };
  const burst: Record<string, number[]> = { HttpConnection: [], UndiciConnection: [] };
  try {
    for (let round = 0; round <= rounds; round++) {
      for (const [name, client] of Object.entries(clients)) {
        for (const body of bodies) {
          const started = performance.now();
          await client.search({ index: READ_ALIAS, ...body });
          if (round > 0) sequential[name]?.push(performance.now() - started);
        }
        // A burst: `concurrency` searches in flight at once, the rate they finish at.
        const started = performance.now();
        let next = 0;
        const total = concurrency * 8;
        await Promise.all(
          Array.from({ length: concurrency }, async () => {
            while (next < total) {
              const body = bodies[next++ % bodies.length] as SearchBody;
              await client.search({ index: READ_ALIAS, ...body });
            }
          }),
        );
        if (round > 0) burst[name]?.push(total / ((performance.now() - started) / 1000));
      }
    }
  } finally {
    await Promise.all(Object.values(clients).map((client) => client.close()));
  }
  const httpRate = mean(burst.HttpConnection ?? []);
  for (const name of Object.keys(clients)) {
    const latencies = sorted(sequential[name] ?? []);
    const rate = mean(burst[name] ?? []);
    record({
      bench: `Elasticsearch client ${name}: the search box's search`,
      value: `round trip p50 ${ms(percentile(latencies, 50))}, p99 ${ms(percentile(latencies, 99))}; ${rate.toFixed(0)} searches/s at ${concurrency} in flight`,
      ...(name === 'HttpConnection'
        ? {}
        : { ratio: `${((rate / httpRate) * 100).toFixed(0)} % of HttpConnection's searches/s` }),
      note: `${queries.length} queries × ${rounds} rounds one at a time, and ${rounds} bursts of ${concurrency * 8}; the classes in turns`,
    });
  }
}

/**
 * Write → visible through the BFF with the read cache on, the way a curator meets it: the query is
 * asked (and cached, empty) just before the write, then asked again every `pollMs` until the new
 * song is in the answer. The write goes through the BFF, which invalidates before answering; what
 * makes the song show up is the indexer's invalidation once the song is searchable.
 */
export async function measureWriteToVisible(
  api: string,
  token: string,
  writes: number,
  pollMs = 20,
): Promise<number[]> {
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${token}` };
  const latencies: number[] = [];
  for (let n = 0; n < writes; n++) {
    const word = `visibleprobe${n}x${Math.random().toString(36).slice(2, 8)}`;
    const search = async () => {
      const response = await fetch(`${api}/songs/search?q=${word}&limit=5`);
      if (response.status !== 200) throw new Error(`search failed: ${response.status}`);
      return (await response.json()) as { items: Array<{ id: string }> };
    };
    if ((await search()).items.length !== 0) throw new Error(`${word} found before it was written`);
    const response = await fetch(`${api}/songs`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ title: `${word} Song`, artist: 'Bench Visibility' }),
    });
    if (response.status !== 201) throw new Error(`write failed: ${response.status} ${await response.text()}`);
    const { id } = (await response.json()) as { id: string };
    const written = performance.now();
    while (!(await search()).items.some((item) => item.id === id)) {
      if (performance.now() - written > 30_000) throw new Error(`${word} not visible after 30 s`);
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
    latencies.push(performance.now() - written);
  }
  return latencies.sort((a, b) => a - b);
}
