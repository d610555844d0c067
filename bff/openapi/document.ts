import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Env } from 'hono';
import { registerPipelineResponses, withPipelineResponses } from './pipeline-responses.ts';

const API_INFO = {
  title: 'Karaoke Suite API',
  version: '0.1.0',
  description:
    'The one endpoint the Karaoke Suite front end talks to. Browsers sign in at /auth/login and carry an ' +
    'HttpOnly session cookie; API clients send an access token as `Authorization: Bearer`. Errors are ' +
    '`application/problem+json`; a method a path does not take is a 405 whose `Allow` header names those it does.',
};

/**
 * The API description: what the routes declare, generated from their zod schemas, with the
 * answers of the request pipeline added to every operation (see `pipeline-responses.ts`).
 */
export function apiDescription<E extends Env>(app: OpenAPIHono<E>) {
  return withPipelineResponses(app.getOpenAPI31Document({ openapi: '3.1.0', info: API_INFO }));
}

/**
 * Serves {@link apiDescription} at `path`, built at the first request: every route is registered
 * by then, and none is added later.
 */
export function serveApiDescription<E extends Env>(app: OpenAPIHono<E>, path: string): void {
  registerPipelineResponses(app);
  let described: ReturnType<typeof apiDescription> | undefined;
  app.get(path, (c) => {
    described ??= apiDescription(app);
    return c.json(described, 200);
  });
}
