/**
 * What tracing costs the BFF: `npx tsx scripts/bench/tracing.ts` starts a throwaway stack and BFF
 * processes with tracing off, on for every request, and on under X-Ray's default rule (1 per
 * second, then 5 %), and loads `GET /api/songs/:id` with the read cache hit (a kept answer) and
 * switched off, each traced BFF in slices taken in turns with the untraced one.
 */
import { bootstrapLocal } from '#scripts/local/bootstrap';
import { startLocalServer } from '#scripts/local/server';
import { issueLocalAccessToken } from '#scripts/token';
import { freePort } from '#test/support/child';
import { startStack } from '#test/support/stack';
import { startXrayCollector } from '#test/support/xray-daemon';
import { type LoadResult, runInterleaved } from './load.ts';
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
      return started.url;
    };
    const plain = await bff(base);
    const all = await bff(traced('1'));
    const sampled = await bff(traced('0.05'));
    const plainUncached = await bff({ ...base, READ_CACHE: 'off' });
    const allUncached = await bff({ ...traced('1'), READ_CACHE: 'off' });

    const curator = await issueLocalAccessToken(server.oidcIssuer, 'curator');
    const created = await fetch(`${plain}/api/songs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${curator}` },
      body: JSON.stringify({ title: 'Trace Bench', artist: 'Bench' }),
    });
    const { id } = (await created.json()) as { id: string };
    const path = `/api/songs/${id}`;
    const options = (url: string) => ({
      urls: [`${url}${path}`],
      concurrency: 64,
      seconds: SLICE_SECONDS,
      warmupSeconds: 0.5,
    });
    const compare = async (label: string, off: string, on: string) => {
      const { baseline, candidate, sliceRatios } = await runInterleaved(options(off), options(on), SLICES);
      const cost = 1 - candidate.rps / baseline.rps;
      const sliceCosts = sliceRatios.map((ratio) => 1 - ratio);
      const median = [...sliceCosts].sort((a, b) => a - b)[Math.floor(sliceCosts.length / 2)] ?? Number.NaN;
      const slices = sliceCosts.map((sliceCost) => `${Math.round(sliceCost * 100)} %`).join(', ');
      console.log(
        `| ${label} | ${rate(baseline)} | ${rate(candidate)} | ${(cost * 100).toFixed(1)} % | ${(median * 100).toFixed(1)} % | p50 ${baseline.p50.toFixed(2)} → ${candidate.p50.toFixed(2)} ms; slices ${slices} |`,
      );
    };
    console.log(
      '| GET /api/songs/:id, 64 connections | untraced req/s | traced req/s | cost | median slice cost | notes |',
    );
    console.log('|---|---|---|---|---|---|');
    await compare('read cache hit, every request traced', plain, all);
    await compare('read cache hit, default rule (1/s + 5 %)', plain, sampled);
    await compare('read cache off, every request traced', plainUncached, allUncached);
    console.log(`segments received by the collector: ${collector.documents().length} (last 10,000 kept)`);
  } finally {
    for (const stop of stops.reverse()) await stop().catch(() => {});
    await stack.stop();
  }
}

const rate = (result: LoadResult) => result.rps.toFixed(0);

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.stack : String(error));
  process.exit(1);
});
