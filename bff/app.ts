import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { secureHeaders } from 'hono/secure-headers';
import { PayloadTooLargeError, ValidationError } from '#lib/errors';
import { notFound, problemResponse, type RequestVariables, requestContext } from '#lib/http';
import type { Logger } from '#lib/log';
import type { BffConfig } from './config.ts';
import type { Probes } from './health/probes.ts';
import { healthRoutes } from './routes/health.ts';

/** Everything the BFF talks to, injected so tests can pass real local clients or faulty ones. */
export interface BffDeps {
  config: BffConfig;
  log: Logger;
  probes: Probes;
}

export type BffEnv = { Variables: RequestVariables & { deps: BffDeps } };

const MAX_BODY_BYTES = 256 * 1024;

export function createApp(deps: BffDeps) {
  const app = new OpenAPIHono<BffEnv>({
    // Schema failures become one 400 problem with every field issue, not zod's raw error.
    defaultHook: (result) => {
      if (!result.success) {
        const issues = result.error.issues.map((issue) => ({
          path: issue.path.join('.'),
          message: issue.message,
        }));
        throw new ValidationError('The request is not valid; see issues for each field.', issues);
      }
    },
  });
  app.use('*', requestContext(deps.log));
  app.use('*', secureHeaders());
  app.use('*', async (c, next) => {
    c.set('deps', deps);
    await next();
  });
  app.use(
    '*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      onError: () => {
        throw new PayloadTooLargeError(`Request bodies are limited to ${MAX_BODY_BYTES / 1024} KiB.`);
      },
    }),
  );

  app.route('/api', healthRoutes());

  app.doc31('/api/openapi.json', {
    openapi: '3.1.0',
    info: {
      title: 'Karaoke Suite API',
      version: '0.1.0',
      description: 'The one endpoint the Karaoke Suite front end talks to.',
    },
  });
  app.onError(problemResponse);
  app.notFound(notFound);
  return app;
}

export type BffApp = ReturnType<typeof createApp>;
