import { type ServerType, serve } from '@hono/node-server';
import { Hono } from 'hono';
import { createApp } from '#bff/app';
import { loadBffConfig } from '#bff/config';
import { wireBff } from '#bff/wiring';

export interface LocalServer {
  url: string;
  close(): Promise<void>;
}

/**
 * One HTTP server for the whole local system: the BFF under `/api` and `/auth`, as API Gateway
 * routes them to the BFF Lambda on AWS. Config is validated exactly as at a Lambda cold start.
 */
export async function startLocalServer(
  env: Record<string, string | undefined>,
  port: number,
): Promise<LocalServer> {
  const bff = wireBff(loadBffConfig(env));
  const root = new Hono();
  root.route('/', createApp(bff));
  const server: ServerType = await new Promise((resolve) => {
    const started = serve({ fetch: root.fetch, port, hostname: '127.0.0.1' }, () => resolve(started));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    async close() {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await bff.close();
    },
  };
}
