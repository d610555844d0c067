import { rmSync } from 'node:fs';
import { assertPortFree } from '#test/support/child';
import { startStack } from '#test/support/stack';
import { startXrayCollector, type XrayCollector } from '#test/support/xray-daemon';
import { startLocalLogShipping } from '../logs-shipper/local-pipe.ts';
import { bootstrapLocal } from './local/bootstrap.ts';
import { DEMO_USERNAMES } from './local/oidc-provider.ts';
import { rebuildSearchIndex } from './local/search-index.ts';
import { startLocalServer } from './local/server.ts';
import { STACK_FILE, writeStackFile } from './local/stack-file.ts';
import { startLocalSync } from './local/sync.ts';
import { ensureWebBuilt } from './web-build.ts';

/**
 * `npm start`: the whole system on this machine. Starts every local stand-in, applies migrations,
 * creates the AWS resources in moto and serves the BFF, until Ctrl-C stops all of it.
 */
async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? 3000);
  if (!Number.isInteger(port) || port <= 0 || port > 65535)
    throw new Error(`PORT must be a TCP port, got ${process.env.PORT}`);
  await assertPortFree(port, `PORT ${port}`);
  const started = Date.now();
  console.log('Starting the local stack (PostgreSQL, Redis, Elasticsearch, moto)…');
  const stack = await startStack({ persistent: true });
  let stopping = false;
  let sync: { stop(): Promise<void> } | undefined;
  let collector: XrayCollector | undefined;
  let shipping: { stop(): Promise<void> } | undefined;
  const stopAll = async (server?: { close(): Promise<void> }) => {
    if (stopping) return;
    stopping = true;
    console.log('\nStopping…');
    await sync?.stop().catch(() => {});
    await server?.close().catch(() => {});
    await collector?.close().catch(() => {});
    await shipping?.stop().catch(() => {});
    rmSync(STACK_FILE, { force: true });
    await stack.stop();
    console.log('Stopped: no local process is left running.');
  };
  try {
    const { env } = await bootstrapLocal(stack.urls, (line) => console.log(`  ${line}`));
    Object.assign(process.env, env);
    // The X-Ray daemon's stand-in: every request is traced and kept for `npm run trace -- <id>`.
    collector = await startXrayCollector({ elasticsearchUrl: stack.urls.elasticsearchUrl });
    Object.assign(process.env, { AWS_XRAY_DAEMON_ADDRESS: collector.address, XRAY_SAMPLE_RATE: '1' });
    // Our own log lines into the local Elasticsearch through the logs-shipper, as the CloudWatch
    // subscription does on AWS (SHIP_LOGS=off to only print them).
    if (process.env.SHIP_LOGS !== 'off') shipping = shipOwnOutput(await startLocalLogShipping(process.env));
    await ensureWebBuilt((line) => console.log(`  ${line}`));
    const server = await startLocalServer(process.env, port);
    // The change chain: outbox → SNS → SQS → search index, as the sync Lambdas run it on AWS.
    sync = await startLocalSync({ env: process.env });
    // moto keeps its queues in memory: changes in flight when the stack last stopped are gone with
    // it, so the song index is rebuilt from PostgreSQL at every start (seconds for the sample catalog).
    const rebuilt = await rebuildSearchIndex(process.env);
    if (rebuilt.documents > 0)
      console.log(`  search index rebuilt from PostgreSQL: ${rebuilt.documents} songs`);
    // How local helpers (`npm run token`, the catalog import) find this running stack.
    writeStackFile({
      url: server.url,
      internalUrl: server.internalUrl,
      pid: process.pid,
      env: { ...env, OIDC_ISSUER: server.oidcIssuer, PUBLIC_BASE_URL: server.url },
    });
    for (const signal of ['SIGINT', 'SIGTERM'] as const) {
      process.once(signal, () => {
        void stopAll(server).then(() => process.exit(0));
      });
    }
    console.log(
      `\nKaraoke Suite is ready in ${((Date.now() - started) / 1000).toFixed(1)} s at ${server.url}`,
    );
    console.log(`  health           ${server.url}/api/health`);
    console.log(`  API description  ${server.url}/api/openapi.json (browse it at ${server.url}/api/docs)`);
    console.log(
      `  sign in          ${server.url}/auth/login  as ${DEMO_USERNAMES.join(', ')} (password = user name)`,
    );
    console.log('  Bearer token     npm run token -- singer1');
    console.log('  load the catalog npm run catalog:import -- ../shared/data/catalog/hot100-songs.csv');
    console.log(`  data and logs    ${stack.runDir}`);
    console.log('Press Ctrl-C to stop everything.');
  } catch (error) {
    await stopAll();
    throw error;
  }
}

/** Tees this process's stdout into `shipping`, line by line, still printing everything. */
function shipOwnOutput(shipping: { push(line: string): void; stop(): Promise<void> }) {
  const write = process.stdout.write.bind(process.stdout);
  let partial = '';
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: never[]) => {
    const text = partial + (typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    const lines = text.split('\n');
    partial = lines.pop() ?? '';
    // Only the functions' JSON lines: the stack's own progress lines are for the terminal.
    for (const line of lines) if (line.startsWith('{')) shipping.push(line);
    return write(chunk, ...rest);
  }) as typeof process.stdout.write;
  return {
    async stop() {
      process.stdout.write = write;
      await shipping.stop();
    },
  };
}

main().catch((error: unknown) => {
  console.error(`\n${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
