import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { Redis } from 'ioredis';
import { afterEach, describe, expect, it } from 'vitest';
import { redisKeyValueStore } from './kv.ts';

/**
 * A Redis that answers the client's ready check and, while `answering`, every command (GET with
 * nil, anything else with OK); then it stops answering anything, with the connection left open: a
 * hung server, the case a refused connection does not cover.
 */
const INFO = 'loading:0\r\n';

async function hangableRedis() {
  const state = { answering: true };
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    let pending = '';
    socket.on('data', (chunk) => {
      pending += chunk.toString('latin1');
      for (;;) {
        const command = nextCommand(pending);
        if (!command) break;
        pending = pending.slice(command.length);
        if (!state.answering) continue;
        const name = command.args[0]?.toUpperCase();
        if (name === 'INFO') socket.write(`$${INFO.length}\r\n${INFO}\r\n`);
        else if (name === 'GET') socket.write('$-1\r\n');
        else socket.write('+OK\r\n');
      }
    });
    socket.on('close', () => sockets.delete(socket));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${port}`,
    state,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      server.close();
    },
  };
}

/** One RESP array of bulk strings from the front of `buffer`, or undefined when it is incomplete. */
function nextCommand(buffer: string): { args: string[]; length: number } | undefined {
  const header = /^\*(\d+)\r\n/.exec(buffer);
  if (!header) return undefined;
  let offset = header[0].length;
  const args: string[] = [];
  for (let index = 0; index < Number(header[1]); index++) {
    const bulk = /^\$(\d+)\r\n/.exec(buffer.slice(offset));
    if (!bulk) return undefined;
    offset += bulk[0].length;
    const size = Number(bulk[1]);
    if (buffer.length < offset + size + 2) return undefined;
    args.push(buffer.slice(offset, offset + size));
    offset += size + 2;
  }
  return { args, length: offset };
}

const quiet = { warn: () => {}, info: () => {} };
let cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup) await step();
  cleanup = [];
});

async function storeOn(timeoutMs: number) {
  const redis = await hangableRedis();
  const client = new Redis(redis.url, { maxRetriesPerRequest: 1, enableOfflineQueue: false });
  await once(client, 'ready');
  cleanup.push(() => client.disconnect(), redis.close);
  return { redis, kv: redisKeyValueStore(client, { log: quiet, timeoutMs, retryAfterMs: 60_000 }) };
}

describe('the session store on a Redis that hangs', () => {
  it('answers while Redis does', async () => {
    const { kv } = await storeOn(200);
    expect(await kv.get('session:x')).toBeNull();
  });

  it('fails each call within its timeout instead of waiting for ever', async () => {
    const { redis, kv } = await storeOn(100);
    redis.state.answering = false;
    const started = performance.now();
    await expect(kv.get('session:x')).rejects.toThrow(/did not answer within 100 ms/);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('once it counts Redis as down, fails calls at once without waiting again', async () => {
    const { redis, kv } = await storeOn(100);
    redis.state.answering = false;
    for (let attempt = 0; attempt < 3; attempt++) await expect(kv.get('k')).rejects.toThrow();
    await expect(kv.set('k', 'v', 60)).rejects.toThrow(/redis is down; call skipped/);
  });
});
