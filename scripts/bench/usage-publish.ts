import { readFileSync } from 'node:fs';
import { freePort } from '#test/support/child';
import { startInstantSns } from './instant-sns.ts';
import { type LoadResult, runLoad } from './load.ts';
import { startServerProcess } from './serve.ts';

/** Rounds of slices; each round loads every BFF once, in turns, so drift is shared out evenly. */
const ROUNDS = 4;
const SLICE_SECONDS = 3;
const WARMUP_SECONDS = 0.3;
/** Well below saturation on two cores: what one user waits, not how many the box can queue. */
const MODERATE = 4;
const SATURATED = 64;
/** Long enough for the last partial batch (sent after 1 s) and its retries (100 + 200 + 400 ms). */
const SETTLE_MS = 2500;
const SEARCH = '/api/songs/search?q=love';
const MISSING_TOPIC = 'arn:aws:sns:us-east-1:123456789012:no-such-topic';

interface Row {
  bench: string;
  value: string;
  ratio?: string;
  note?: string;
}

interface Server {
  label: string;
  url: string;
  pid: number;
}

interface Slice {
  load: LoadResult;
  /** The server's CPU from the start of this slice to the start of its next one (or the settle). */
  cpuMicros: number;
  /** The part of it on the thread that runs JavaScript (the rest: GC helpers, libuv's pool). */
  mainThreadMicros: number;
}

/**
 * What publishing usage events costs the BFF and the person waiting on it: the same cached search
 * (each one a `search.performed` event) against BFFs that publish nothing, publish to moto, to an
 * SNS that answers at once, to one that refuses every publish at once (topic not found), and to an
 * endpoint nothing listens on; and to moto with a topic that does not exist, as the first measure
 * did (moto parses every refused body on the same two cores, so that row mixes its work with the
 * BFF's; the instant refusal shows the BFF's alone). Two measures
 * that other load on the two cores moves far less than req/s at saturation:
 * - the BFF process's own CPU time per request (`/proc/<pid>/stat`), counted from the start of a
 *   slice to the start of that server's next slice, so the sends, retries and drop logs that run
 *   after its requests are answered are charged to it;
 * - p50 and p99 at {@link MODERATE} connections, below saturation, where a publish on the request
 *   path (or a loop kept busy by one) would show as waiting.
 * Req/s at {@link SATURATED} connections is kept as the row everyone knows. Every figure is the
 * median of its slices.
 */
export async function usagePublishRows(
  childEnv: NodeJS.ProcessEnv,
  record: (row: Row) => void,
  log: (line: string) => void,
): Promise<void> {
  const instantSns = await startInstantSns();
  const refusingSns = await startInstantSns({ refuse: true });
  const bffs: Array<[string, NodeJS.ProcessEnv]> = [
    ['publisher off', { ...childEnv, USAGE_EVENTS: 'off' }],
    ['publishing to moto', childEnv],
    ['publishing to an instant SNS', { ...childEnv, AWS_ENDPOINT_URL: instantSns.url }],
    ['every publish refused at once (topic not found)', { ...childEnv, AWS_ENDPOINT_URL: refusingSns.url }],
    ['every publish refused by moto (topic not found)', { ...childEnv, USAGE_TOPIC_ARN: MISSING_TOPIC }],
    // Nothing listens on a free port: every publish fails to connect.
    [
      'SNS unreachable (connection refused)',
      { ...childEnv, AWS_ENDPOINT_URL: `http://127.0.0.1:${await freePort()}` },
    ],
  ];
  const started = await Promise.all(bffs.map(([, env]) => startServerProcess('bff', env)));
  const servers: Server[] = started.map((server, n) => ({ ...server, label: bffs[n]?.[0] as string }));
  try {
    for (const concurrency of [MODERATE, SATURATED]) {
      log(
        `GET /api/songs/search (read cache hit), ${concurrency} connections, ${ROUNDS} rounds of ${SLICE_SECONDS} s slices of ${servers.length} BFFs in turns…`,
      );
      const slices = await interleavedSlices(servers, concurrency);
      const [off, ...publishing] = servers.map((server, n) => ({ server, slices: slices[n] as Slice[] }));
      if (!off) throw new Error('no baseline server');
      const offCpu = median(off.slices.map(cpuPerRequest));
      for (const { server, slices: own } of [off, ...publishing]) {
        const cpu = median(own.map(cpuPerRequest));
        const mainThread = median(own.map(mainThreadPerRequest));
        const p50 = median(own.map((slice) => slice.load.p50));
        const p99 = median(own.map((slice) => slice.load.p99));
        const rps = median(own.map((slice) => slice.load.rps));
        const errors = own.reduce((sum, slice) => sum + slice.load.errors, 0);
        const against =
          server === off.server
            ? undefined
            : `CPU ${percent(cpu / offCpu)} of off; req/s ${percent(
                median(own.map((slice, n) => slice.load.rps / (off.slices[n] as Slice).load.rps)),
              )} of off (median slice)`;
        record({
          bench: `usage publish cost: GET /api/songs/search (read cache hit), ${server.label}, ${concurrency} connections`,
          value: `${cpu.toFixed(0)} µs CPU/request (${mainThread.toFixed(0)} µs on the main thread), p50 ${ms(p50)}, p99 ${ms(p99)}, ${rps.toFixed(0)} req/s${errors ? `, ${errors} errors` : ''}`,
          ...(against ? { ratio: against } : {}),
          note: `medians of ${ROUNDS} slices; CPU/request by slice ${own.map((slice) => cpuPerRequest(slice).toFixed(0)).join(', ')} µs`,
        });
      }
    }
    log(`the instant SNS took ${instantSns.published().toLocaleString('en')} messages of up to 100 events`);
  } finally {
    await Promise.all(started.map((server) => server.stop()));
    await instantSns.stop();
    await refusingSns.stop();
  }
}

/** {@link ROUNDS} rounds, each a slice of every server in turn; the slices per server, in order. */
async function interleavedSlices(servers: Server[], concurrency: number): Promise<Slice[][]> {
  const slices: Slice[][] = servers.map(() => []);
  const opened: Array<{ all: number; main: number } | undefined> = servers.map(() => undefined);
  const close = (n: number) => {
    const last = slices[n]?.at(-1);
    const since = opened[n];
    if (!last || !since) return;
    const { pid } = servers[n] as Server;
    last.cpuMicros = cpuMicros(`/proc/${pid}/stat`) - since.all;
    last.mainThreadMicros = cpuMicros(`/proc/${pid}/task/${pid}/stat`) - since.main;
  };
  for (let round = 0; round < ROUNDS; round++) {
    for (const [n, server] of servers.entries()) {
      close(n);
      const urls = [`${server.url}${SEARCH}`];
      await runLoad({ urls, concurrency, seconds: WARMUP_SECONDS, warmupSeconds: 0 });
      opened[n] = {
        all: cpuMicros(`/proc/${server.pid}/stat`),
        main: cpuMicros(`/proc/${server.pid}/task/${server.pid}/stat`),
      };
      const load = await runLoad({ urls, concurrency, seconds: SLICE_SECONDS, warmupSeconds: 0 });
      slices[n]?.push({ load, cpuMicros: Number.NaN, mainThreadMicros: Number.NaN });
    }
  }
  await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
  for (const n of servers.keys()) close(n);
  return slices;
}

const cpuPerRequest = (slice: Slice) => slice.cpuMicros / Math.max(1, slice.load.requests);
const mainThreadPerRequest = (slice: Slice) => slice.mainThreadMicros / Math.max(1, slice.load.requests);
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
};
const ms = (value: number) => `${value.toFixed(2)} ms`;
const percent = (ratio: number) => `${(ratio * 100).toFixed(0)} %`;

const TICKS_PER_SECOND = 100;

/** User and system CPU time a process (`/proc/<pid>/stat`) or thread has used so far, in µs. */
function cpuMicros(statFile: string): number {
  const stat = readFileSync(statFile, 'utf8');
  // Fields after the command name (which may hold spaces) start at its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND) * 1e6;
}
