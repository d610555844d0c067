import { randomUUID } from 'node:crypto';
import type { Context, MiddlewareHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import {
  AppError,
  NotFoundError,
  PayloadTooLargeError,
  RateLimitedError,
  toProblem,
  ValidationError,
} from './errors.ts';
import { type Logger, type RequestLog, withKeys } from './log.ts';
import { TRACE_HEADER, traceIdFor } from './trace.ts';

export const REQUEST_ID_HEADER = 'x-request-id';

/** Values every request handler can read from `c.var`. */
export interface RequestVariables {
  requestId: string;
  traceId: string;
  log: RequestLog;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * Gives each request an id and a trace id (the caller's when well formed, so a request can be
 * followed across the BFF and the services), a logger carrying both, and one ECS access-log line.
 */
export function requestContext(logger: Logger): MiddlewareHandler<{ Variables: RequestVariables }> {
  return async (c, next) => {
    const started = process.hrtime.bigint();
    const sentId = c.req.header(REQUEST_ID_HEADER);
    const requestId = sentId && REQUEST_ID.test(sentId) ? sentId : randomUUID();
    const traceId = traceIdFor(c.req.header(TRACE_HEADER));
    const log = withKeys(logger, { 'trace.id': traceId, 'http.request.id': requestId });
    c.set('requestId', requestId);
    c.set('traceId', traceId);
    c.set('log', log);
    await next();
    // On the finished response itself: c.header() at this point would copy the whole response.
    c.res.headers.set(REQUEST_ID_HEADER, requestId);
    const status = c.res.status;
    const fields = {
      'http.request.method': c.req.method,
      'url.path': c.req.path,
      'http.response.status_code': status,
      'event.duration': Number(process.hrtime.bigint() - started),
      // How a cached read was answered (`X-Cache`), for the cache-hit-ratio panel.
      ...(c.res.headers.has('x-cache') ? { 'cache.outcome': c.res.headers.get('x-cache') } : {}),
    };
    if (status >= 500) log.error('request failed', fields);
    else log.info('request', fields);
  };
}

/**
 * The one place errors become responses: `application/problem+json`, with 5xx details kept in the
 * log and out of the body.
 */
export function problemResponse(error: unknown, c: Context): Response {
  const normalised = normaliseError(error);
  const problem = toProblem(normalised, c.req.path);
  const log = c.get('log') as RequestLog | undefined;
  if (problem.status >= 500) log?.error('unhandled error', normalised as Error);
  const headers: Record<string, string> = { 'content-type': 'application/problem+json' };
  const requestId = c.get('requestId') as string | undefined;
  if (requestId) headers[REQUEST_ID_HEADER] = requestId;
  if (normalised instanceof RateLimitedError) headers['retry-after'] = String(normalised.retryAfterSeconds);
  // The refused body may still be on its way; a connection left mid-body cannot carry another request.
  if (normalised instanceof PayloadTooLargeError) headers.connection = 'close';
  return new Response(JSON.stringify({ ...problem, ...(requestId ? { requestId } : {}) }), {
    status: problem.status as ContentfulStatusCode,
    headers,
  });
}

/** Hono's own exceptions (body limit, bad JSON) join the hierarchy here. */
function normaliseError(error: unknown): unknown {
  if (error instanceof AppError || !(error instanceof HTTPException)) return error;
  if (error.status === 413) return new PayloadTooLargeError('Request body is too large.');
  if (error.status === 404) return new NotFoundError(error.message || 'Not found.');
  if (error.status < 500) return new ValidationError(error.message || 'The request is malformed.');
  return error;
}

export const notFound: NotFoundHandler = (c) =>
  problemResponse(new NotFoundError(`No route for ${c.req.method} ${c.req.path}.`), c);
