import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { Redis } from 'ioredis';
import { createApp } from '#bff/app';
import { loadBffConfig } from '#bff/config';
import { wireBff } from '#bff/wiring';
import { freePort, type ManagedChild, startChild } from '#test/support/child';
import { startLocalServer } from '../local/server.ts';

/**
 * A server under load, in a process of its own as each Lambda has: `hello` (the bare Hono ceiling),
 * `hello-redis` (hello-world that reads one small value from Redis: the floor of any Redis cache),
 * `bff` (the BFF alone, calling the services at SERVICES_BASE_URL) or `services` (the local server,
 * whose internal listener, the services, is on the port given; both trust the OIDC_ISSUER given
 * rather than starting a provider).
 * Run by {@link startServerProcess}; the port is the second argument. With BENCH_CPU_PROFILE set to a
 * directory, each server writes a V8 CPU profile there when it stops (open it in Chrome DevTools).
 */
async function main(): Promise<void> {
  const [kind, port] = process.argv.slice(2);
  if (kind === 'hello') {
    serve({
      fetch: new Hono().get('/hello', (c) => c.text('hello')).fetch,
      port: Number(port),
      hostname: '127.0.0.1',
    });
  } else if (kind === 'hello-redis') {
    // The BFF's client options that matter for speed.
    const redis = new Redis(process.env.REDIS_URL as string, { enableAutoPipelining: true });
    await redis.set('bench:hello', JSON.stringify({ hello: 'world' }));
    const app = new Hono().get('/hello', async (c) =>
      c.json(JSON.parse((await redis.get('bench:hello')) ?? '{}')),
    );
    serve({ fetch: app.fetch, port: Number(port), hostname: '127.0.0.1' });
  } else if (kind === 'services') {
    // The services' internal listener on the port given: what the BFF's SERVICES_BASE_URL names.
    await startLocalServer(process.env, await freePort(), { internalPort: Number(port) });
  } else if (kind === 'bff') {
    // The BFF alone, as its Lambda is; it calls the services at SERVICES_BASE_URL over HTTP.
    const config = loadBffConfig({
      ...process.env,
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
      SERVICE_AUTH: 'none',
    });
    serve({ fetch: createApp(wireBff(config)).fetch, port: Number(port), hostname: '127.0.0.1' });
  } else {
    throw new Error(`unknown server kind '${kind}': hello, hello-redis, services or bff`);
  }
  console.log(`${kind} listening on ${port}`);
  // A clean exit on SIGTERM, so `--cpu-prof` (BENCH_CPU_PROFILE) gets to write its profile.
  process.once('SIGTERM', () => process.exit(0));
}

const logDir = mkdtempSync(join(tmpdir(), 'karaoke-bench-'));

/** Starts `kind` in a child process with `env`; resolves once it answers HTTP. */
export async function startServerProcess(
  kind: 'hello' | 'hello-redis' | 'services' | 'bff',
  env: NodeJS.ProcessEnv,
): Promise<{ url: string; pid: number; stop(): Promise<void> }> {
  const port = await freePort();
  const profileDir = process.env.BENCH_CPU_PROFILE;
  const url = `http://127.0.0.1:${port}`;
  const probe = kind === 'bff' || kind === 'services' ? `${url}/api/health` : `${url}/hello`;
  const child: ManagedChild = await startChild({
    name: `bench ${kind} server`,
    command: process.execPath,
    args: [
      ...(profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : []),
      '--import',
      'tsx',
      new URL(import.meta.url).pathname,
      kind,
      String(port),
    ],
    logFile: join(logDir, `${kind}-${port}.log`),
    env,
    installHint: 'It is the Node.js running this script.',
    // Any answer will do: the server is listening.
    isReady: async () => (await fetch(probe)).status > 0,
  });
  return { url, pid: child.pid, stop: child.stop };
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.stack : String(error));
    process.exit(1);
  });
}
