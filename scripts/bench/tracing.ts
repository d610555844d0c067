/**
 * What tracing costs the BFF: `npx tsx scripts/bench/tracing.ts` starts a throwaway stack and BFF
 * processes with tracing off, on for every request, and on under X-Ray's default rule (1 per
 * second, then 5 %), and loads `GET /api/songs/:id` with the read cache hit (a kept answer) and
 * switched off, each traced BFF in slices taken in turns with the untraced one, at 64 connections and,
 * for the default rule, at one (as a Lambda instance serves requests). Each row gives req/s and the
 * server process's CPU time per request (`/proc/<pid>/stat`), which other load on the machine moves
 * far less than req/s.
 */
import { readFileSync } from 'node:fs';
import { bootstrapLocal } from '#scripts/local/bootstrap';
import { startLocalServer } from '#scripts/local/server';
import { issueLocalAccessToken } from '#scripts/token';
import { freePort } from '#test/support/child';
import { startStack } from '#test/support/stack';
import { startXrayCollector } from '#test/support/xray-daemon';
import { combineLoads, type LoadResult, runLoad } from './load.ts';
import { startServerProcess } from './serve.ts';

/** Many short slices in turns: on a shared machine one slice can be off by ±50 %, their median less so. */
const SLICES = 8;
const SLICE_SECONDS = 3;

async function main(): Promise<void> {
  const stack = await startStack({ persistent: false, progress: () => {} });
  const stops: Array<() => Promise<void>> = [];
  try {
    const { env } = await bootstrapLocal(stack.urls, () => {});
    Object.assign(process.env, env, {
      LOG_LEVEL: 'WARN',
      RATE_LIMIT_ANONYMOUS_PER_MINUTE: '1000000000',
      RATE_LIMIT_USER_PER_MINUTE: '1000000000',
    });
    const collector = await startXrayCollector();
    stops.push(() => collector.close());
    const server = await startLocalServer(process.env, await freePort());
    stops.push(() => server.close());
    const services = await startServerProcess('services', { ...process.env, OIDC_ISSUER: server.oidcIssuer });
    stops.push(services.stop);
    const base = { ...process.env, OIDC_ISSUER: server.oidcIssuer, SERVICES_BASE_URL: services.url };
    const traced = (rate: string) => ({
      ...base,
      AWS_XRAY_DAEMON_ADDRESS: collector.address,
      XRAY_SAMPLE_RATE: rate,
    });
    const bff = async (env: NodeJS.ProcessEnv) => {
      const started = await startServerProcess('bff', env);
      stops.push(started.stop);
      return started;
    };
    const plain = await bff(base);
    const all = await bff(traced('1'));
    const sampled = await bff(traced('0.05'));
    const plainUncached = await bff({ ...base, READ_CACHE: 'off' });
    const allUncached = await bff({ ...traced('1'), READ_CACHE: 'off' });

    const curator = await issueLocalAccessToken(server.oidcIssuer, 'curator');
    const created = await fetch(`${plain.url}/api/songs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${curator}` },
      body: JSON.stringify({ title: 'Trace Bench', artist: 'Bench' }),
    });
    const { id } = (await created.json()) as { id: string };
    const path = `/api/songs/${id}`;
    const options = (url: string, concurrency: number) => ({
      urls: [`${url}${path}`],
      concurrency,
      seconds: SLICE_SECONDS,
      warmupSeconds: 0.5,
    });
    /**
     * Slices of each server in turns. Besides req/s, each slice's CPU time of the server process per
     * request: on a machine others load too, what a request costs the server moves far less than
     * how many it gets through.
     */
    const compare = async (label: string, off: Server, on: Server, concurrency = 64) => {
      const slices: Array<{ off: Slice; on: Slice }> = [];
      for (let slice = 0; slice < SLICES; slice++) {
        slices.push({ off: await measureSlice(off, concurrency), on: await measureSlice(on, concurrency) });
      }
      const baseline = combineLoads(slices.map((slice) => slice.off.load));
      const candidate = combineLoads(slices.map((slice) => slice.on.load));
      const cost = 1 - candidate.rps / baseline.rps;
      const sliceCosts = slices.map((slice) => 1 - slice.on.load.rps / slice.off.load.rps);
      const cpuCosts = slices.map((slice) => slice.on.cpuPerRequest / slice.off.cpuPerRequest - 1);
      const cpuOff = median(slices.map((slice) => slice.off.cpuPerRequest));
      const cpuOn = median(slices.map((slice) => slice.on.cpuPerRequest));
      const percent = (value: number) => `${(value * 100).toFixed(1)} %`;
      const list = (values: number[]) => values.map((value) => `${Math.round(value * 100)} %`).join(', ');
      console.log(
        `| ${label} | ${rate(baseline)} | ${rate(candidate)} | ${percent(cost)} (median slice ${percent(median(sliceCosts))}) | ${cpuOff.toFixed(0)} → ${cpuOn.toFixed(0)} µs: ${percent(median(cpuCosts))} | slices req/s ${list(sliceCosts)}; CPU ${list(cpuCosts)} |`,
      );
    };
    const measureSlice = async (server: Server, concurrency: number): Promise<Slice> => {
      const before = cpuMicros(server.pid);
      const load = await runLoad(options(server.url, concurrency));
      // Warm-up requests are not counted, but their CPU is: alike for both servers, so the ratio holds.
      return { load, cpuPerRequest: (cpuMicros(server.pid) - before) / Math.max(1, load.requests) };
    };
    console.log(
      '| GET /api/songs/:id (64 connections unless said) | untraced req/s | traced req/s | req/s cost | server CPU per request (median slice) | notes |',
    );
    console.log('|---|---|---|---|---|---|');
    await compare('read cache hit, every request traced', plain, all);
    await compare('read cache hit, default rule (1/s + 5 %)', plain, sampled);
    await compare('read cache off, every request traced', plainUncached, allUncached);
    // As a Lambda instance serves: one request at a time, so an unsampled one never runs beside a
    // sampled one, and the store is off while it runs.
    await compare('read cache hit, default rule, 1 connection', plain, sampled, 1);
    console.log(`segments received by the collector: ${collector.documents().length} (last 10,000 kept)`);
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    await stack.stop();
  }
}

const rate = (result: LoadResult) => result.rps.toFixed(0);
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN;

interface Server {
  url: string;
  pid: number;
}
interface Slice {
  load: LoadResult;
  cpuPerRequest: number;
}

const TICKS_PER_SECOND = 100;

/** User and system CPU time a process has used so far, in µs (Linux `/proc/<pid>/stat`). */
function cpuMicros(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  return (ticks / TICKS_PER_SECOND) * 1e6;
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : String(error));
  process.exit(1);
});
