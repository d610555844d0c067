import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { PayloadTooLargeError, ValidationError } from './errors.ts';
import { notFound, problemResponse, type RequestVariables, requestContext } from './http.ts';
import type { Logger } from './log.ts';

/** Schema failures become one 400 problem listing every field issue, never zod's raw error. */
export const validationHook = (result: {
  success: boolean;
  error?: { issues: ReadonlyArray<{ path: PropertyKey[]; message: string }> };
}) => {
  if (!result.success) {
    const issues = (result.error?.issues ?? []).map((issue) => ({
      path: issue.path.map(String).join('.'),
      message: issue.message,
    }));
    throw new ValidationError('The request is not valid; see issues for each field.', issues);
  }
};

export function limitBody(maxBytes: number) {
  return bodyLimit({
    maxSize: maxBytes,
    onError: () => {
      throw new PayloadTooLargeError(`Request bodies are limited to ${Math.round(maxBytes / 1024)} KiB.`);
    },
  });
}

export type ServiceEnv = { Variables: RequestVariables };

/**
 * The frame every internal service app shares: request ids and trace ids, an access log line,
 * body limits, schema validation and problem+json errors. Routes are mounted under `basePath`,
 * the internal route API Gateway forwards to the service's Lambda.
 */
export function createServiceApp(options: { basePath: string; log: Logger; maxBodyBytes: number }) {
  const app = new OpenAPIHono<ServiceEnv>({ defaultHook: validationHook }).basePath(options.basePath);
  app.use('*', requestContext(options.log));
  app.use('*', limitBody(options.maxBodyBytes));
  app.onError(problemResponse);
  app.notFound(notFound);
  return app;
}
