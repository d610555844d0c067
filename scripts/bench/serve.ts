import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { freePort, type ManagedChild, startChild } from '#test/support/child';
import { startLocalServer } from '../local/server.ts';

/**
 * A server under load, in a process of its own as each Lambda has: `hello` (the bare Hono ceiling)
 * or `bff` (the local server, trusting the OIDC_ISSUER it is given rather than starting a provider).
 * Run by {@link startServerProcess}; the port is the second argument.
 */
async function main(): Promise<void> {
  const [kind, port] = process.argv.slice(2);
  if (kind === 'hello') {
    serve({
      fetch: new Hono().get('/hello', (c) => c.text('hello')).fetch,
      port: Number(port),
      hostname: '127.0.0.1',
    });
  } else if (kind === 'bff') {
    await startLocalServer(process.env, Number(port));
  } else {
    throw new Error(`unknown server kind '${kind}': hello or bff`);
  }
  console.log(`${kind} listening on ${port}`);
}

const logDir = mkdtempSync(join(tmpdir(), 'karaoke-bench-'));

/** Starts `kind` in a child process with `env`; resolves once it answers HTTP. */
export async function startServerProcess(
  kind: 'hello' | 'bff',
  env: NodeJS.ProcessEnv,
): Promise<{ url: string; stop(): Promise<void> }> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const probe = kind === 'hello' ? `${url}/hello` : `${url}/api/health`;
  const child: ManagedChild = await startChild({
    name: `bench ${kind} server`,
    command: process.execPath,
    args: ['--import', 'tsx', new URL(import.meta.url).pathname, kind, String(port)],
    logFile: join(logDir, `${kind}-${port}.log`),
    env,
    installHint: 'It is the Node.js running this script.',
    // Any answer will do: the server is listening.
    isReady: async () => (await fetch(probe)).status > 0,
  });
  return { url, stop: child.stop };
}

if (process.argv[1] === new URL(import.meta.url).pathname) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.stack : String(error));
    process.exit(1);
  });
}
