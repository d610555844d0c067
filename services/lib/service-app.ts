import { OpenAPIHono } from '@hono/zod-openapi';
import type { MiddlewareHandler } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { CallerVariables } from './actor.ts';
import { ACTOR_TOKEN_HEADER, type ActorTokenVerifier } from './actor-token.ts';
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

export type ServiceEnv = { Variables: RequestVariables & CallerVariables };

/** The service a base path belongs to (`/internal/<service>`): the audience its actor tokens name. */
export function serviceNameOf(basePath: string): string {
  const name = /^\/internal\/([a-z][a-z0-9-]*)$/.exec(basePath)?.[1];
  if (!name) throw new Error(`${basePath}: a service's base path is /internal/<service>`);
  return name;
}

/**
 * Admits only calls that carry an actor token for this service ({@link ActorTokenVerifier}); the
 * caller's actor is then `c.var.actor`, from the token and nothing else. Runs before the body is
 * read, so an unauthenticated caller cannot make the service parse anything.
 */
export function requireActorToken(
  verifier: ActorTokenVerifier,
  audience: string,
): MiddlewareHandler<ServiceEnv> {
  return async (c, next) => {
    const { actor } = await verifier.verify(c.req.header(ACTOR_TOKEN_HEADER), audience);
    c.set('actor', actor);
    await next();
  };
}

/**
 * The frame every internal service app shares: request ids and trace ids, an access log line,
 * the caller's actor token (401 without a valid one), body limits, schema validation and
 * problem+json errors. Routes are mounted under `basePath`, the internal route API Gateway
 * forwards to the service's Lambda.
 */
export function createServiceApp(options: {
  basePath: string;
  log: Logger;
  maxBodyBytes: number;
  /** Verifies the BFF's actor tokens (every service app has one: there is no unauthenticated route). */
  callers: ActorTokenVerifier;
}) {
  const audience = serviceNameOf(options.basePath);
  const app = new OpenAPIHono<ServiceEnv>({ defaultHook: validationHook }).basePath(options.basePath);
  app.use('*', requestContext(options.log));
  app.use('*', requireActorToken(options.callers, audience));
  app.use('*', limitBody(options.maxBodyBytes));
  app.onError(problemResponse);
  app.notFound(notFound);
  return app;
}
