import { once } from 'node:events';
import { createConnection, createServer, type Socket } from 'node:net';

/** A TCP proxy in front of a Redis that can be told to stop passing commands on. */
export interface HangingRedisProxy {
  /** `redis://` URL of the proxy. */
  url: string;
  /**
   * From now on commands reach Redis no more and connections stay open: to the client, a Redis that
   * accepted its commands and never answers. Only this proxy's clients see it; the Redis behind it
   * serves everyone else as before.
   */
  hang(): void;
  close(): Promise<void>;
}

export async function hangingRedisProxy(redisUrl: string): Promise<HangingRedisProxy> {
  const upstream = new URL(redisUrl);
  let hung = false;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    const redis = createConnection({ host: upstream.hostname, port: Number(upstream.port) });
    for (const socket of [client, redis]) {
      sockets.add(socket);
      socket.on('close', () => sockets.delete(socket));
      socket.on('error', () => {
        client.destroy();
        redis.destroy();
      });
    }
    client.on('data', (chunk) => {
      if (!hung) redis.write(chunk);
    });
    redis.on('data', (chunk) => client.write(chunk));
    client.on('close', () => redis.destroy());
    redis.on('close', () => client.destroy());
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  return {
    url: `redis://127.0.0.1:${port}`,
    hang() {
      hung = true;
    },
    async close() {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
