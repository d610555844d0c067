import { randomUUID } from 'node:crypto';
import type { Context, MiddlewareHandler, NotFoundHandler } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import {
  AppError,
  MethodNotAllowedError,
  NotFoundError,
  PayloadTooLargeError,
  RateLimitedError,
  toProblem,
  UnsupportedMediaTypeError,
  ValidationError,
} from './errors.ts';
import { type Logger, type RequestLog, withKeys, writesInfo } from './log.ts';
import { noTracer, requestTracerOf, TRACE_HEADER, traceIdFor } from './trace.ts';

export const REQUEST_ID_HEADER = 'x-request-id';

/** Values every request handler can read from `c.var`. */
export interface RequestVariables {
  requestId: string;
  traceId: string;
  log: RequestLog;
}

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * The caller's request id and trace id when well formed (so a request can be followed across the
 * BFF and the services), new ones otherwise, and a logger carrying both.
 */
export function identifyRequest(
  logger: Logger,
  header: (name: string) => string | undefined,
): RequestVariables {
  const requestId = requestIdFor(header(REQUEST_ID_HEADER));
  const traceId = traceIdFor(header(TRACE_HEADER));
  return { requestId, traceId, log: withKeys(logger, { 'trace.id': traceId, 'http.request.id': requestId }) };
}

/** The id a caller sent for its request when well formed, else a new one. */
export function requestIdFor(sent: string | null | undefined): string {
  return sent && REQUEST_ID.test(sent) ? sent : randomUUID();
}

/** What the access-log line says of one answered request. */
export interface AnsweredRequest {
  method: string;
  path: string;
  status: number;
  /** `process.hrtime.bigint()` when the request arrived. */
  started: bigint;
  /** How a cached read was answered (`X-Cache`), for the cache-hit-ratio panel. */
  cacheOutcome?: string | null | undefined;
}

/** The one ECS access-log line of a request: `info`, or `error` for a 5xx. */
export function logAccess(log: RequestLog, answered: AnsweredRequest): void {
  const fields = {
    'http.request.method': answered.method,
    'url.path': answered.path,
    'http.response.status_code': answered.status,
    'event.duration': Number(process.hrtime.bigint() - answered.started),
    ...(answered.cacheOutcome ? { 'cache.outcome': answered.cacheOutcome } : {}),
  };
  if (answered.status >= 500) log.error('request failed', fields);
  else log.info('request', fields);
}

/**
 * Gives each request an id and a trace id ({@link identifyRequest}), a logger carrying both, and
 * one ECS access-log line ({@link logAccess}).
 */
export function requestContext(
  logger: Logger,
  options: {
    /** The path as logs and traces may show it: a credential in a path (a pitch link's token) left out. */
    loggedPath?: (path: string) => string;
  } = {},
): MiddlewareHandler<{ Variables: RequestVariables }> {
  const loggedPath = options.loggedPath ?? ((path: string) => path);
  // Read at the first request (an app built only to list its routes needs no logger): the level is
  // fixed at cold start, and Powertools would read the environment on every suppressed line.
  let logsEveryRequest: boolean | undefined;
  const traced = requestTracerOf(logger);
  const tracer = traced?.tracer ?? noTracer;
  return async (c, next) => {
    logsEveryRequest ??= writesInfo(logger);
    const started = logsEveryRequest ? process.hrtime.bigint() : 0n;
    const { requestId, traceId, log } = identifyRequest(logger, (name) => c.req.header(name));
    c.set('requestId', requestId);
    c.set('traceId', traceId);
    c.set('log', log);
    if (tracer === noTracer) await next();
    else {
      // The segment of this hop: X-Ray's trace id is the request's trace id, the one in its log lines.
      // Parsed only for a sampled request: most are not, and a URL costs more than the decision.
      const http = () => {
        const url = new URL(c.req.url);
        return { method: c.req.method, url: `${url.origin}${loggedPath(url.pathname)}${url.search}` };
      };
      await tracer.hop(
        { name: traced?.name ?? 'app', traceId, header: c.req.header(TRACE_HEADER), http },
        async (segment) => {
          await next();
          if (c.error && c.res.status >= 500) segment.fail(c.error);
          segment.status(c.res.status);
        },
      );
    }
    // On the finished response itself: c.header() at this point would copy the whole response.
    c.res.headers.set(REQUEST_ID_HEADER, requestId);
    // The id a user's bug report quotes, and the one to look up in X-Ray and in the logs.
    c.res.headers.set(TRACE_HEADER, `Root=${traceId}`);
    if (!logsEveryRequest && c.res.status < 500) return;
    logAccess(log, {
      method: c.req.method,
      path: loggedPath(c.req.path),
      status: c.res.status,
      started,
      cacheOutcome: c.res.headers.get('x-cache'),
    });
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
  if (normalised instanceof MethodNotAllowedError) headers.allow = normalised.allow.join(', ');
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
  // The media-type gate of `@hono/zod-openapi`: a body that is not the JSON the route takes.
  if (error.status === 415) return new UnsupportedMediaTypeError('Send the body as application/json.');
  if (error.status < 500) return new ValidationError(error.message || 'The request is malformed.');
  return error;
}

export const notFound: NotFoundHandler = (c) =>
  problemResponse(new NotFoundError(`No route for ${c.req.method} ${c.req.path}.`), c);

/** A route as `app.routes` lists it: middleware added with `use` has the method `ALL`. */
interface ListedRoute {
  method: string;
  path: string;
}

interface PathTemplate {
  pattern: RegExp;
  /** Per segment: 0 literal, 1 parameter, 2 wildcard; a lower rank is more specific. */
  ranks: number[];
  methods: Set<string>;
}

/**
 * Answers 405, with an `Allow` header naming the methods it takes, a request whose path is a
 * resource of the app but whose method is not one of that resource's. The resource of a path is
 * its most specific route path (a literal segment before a parameter, as OpenAPI matches paths):
 * `DELETE /songs/1/media/download` is refused here, not handed to `DELETE /songs/:id/media/:mediaId`
 * to fail validation. HEAD goes with GET, which Hono answers with the GET route. `routes()` lists
 * the app's routes; it is read at the first request, when every route is registered.
 */
export function methodNotAllowed(routes: () => readonly ListedRoute[]): MiddlewareHandler {
  /** By segment count, most specific first; wildcard paths (any count) under -1. */
  let bySegments: Map<number, PathTemplate[]> | undefined;
  return async (c, next) => {
    bySegments ??= templatesBySegments(pathTemplates(routes()));
    const path = c.req.path;
    let segments = 0;
    for (let index = path.indexOf('/'); index >= 0; index = path.indexOf('/', index + 1)) segments++;
    const template =
      bySegments.get(segments)?.find(({ pattern }) => pattern.test(path)) ??
      bySegments.get(-1)?.find(({ pattern }) => pattern.test(path));
    if (template === undefined || template.methods.has(c.req.method)) return next();
    const allow = [...template.methods].sort();
    const message = `${c.req.method} is not allowed on ${c.req.path}; it takes ${allow.join(', ')}.`;
    throw new MethodNotAllowedError(message, allow);
  };
}

/** The app's route paths with the methods of each, most specific first. */
function pathTemplates(routes: readonly ListedRoute[]): PathTemplate[] {
  const byPath = new Map<string, PathTemplate>();
  for (const route of routes) {
    if (route.method === 'ALL') continue;
    let template = byPath.get(route.path);
    if (template === undefined) {
      template = { ...compileRoutePath(route.path), methods: new Set() };
      byPath.set(route.path, template);
    }
    template.methods.add(route.method.toUpperCase());
    if (route.method.toUpperCase() === 'GET') template.methods.add('HEAD');
  }
  return [...byPath.values()].sort((a, b) => compareRanks(a.ranks, b.ranks));
}

function templatesBySegments(templates: PathTemplate[]): Map<number, PathTemplate[]> {
  const grouped = new Map<number, PathTemplate[]>();
  for (const template of templates) {
    const key = template.ranks.includes(2) ? -1 : template.ranks.length - 1;
    grouped.set(key, [...(grouped.get(key) ?? []), template]);
  }
  return grouped;
}

function compareRanks(a: number[], b: number[]): number {
  for (let index = 0; index < Math.min(a.length, b.length); index++) {
    const difference = (a[index] as number) - (b[index] as number);
    if (difference !== 0) return difference;
  }
  return b.length - a.length;
}

/** A Hono route path (`/songs/:id`, `/:file{.+\\.js}`, `/assets/*`) as a regular expression of whole paths. */
function compileRoutePath(path: string): Pick<PathTemplate, 'pattern' | 'ranks'> {
  const ranks: number[] = [];
  const source = path
    .split('/')
    .map((segment) => {
      if (segment === '*') {
        ranks.push(2);
        return '.*';
      }
      const parameter = /^:\w+(?:\{(.+)\})?(\?)?$/.exec(segment);
      if (parameter) {
        ranks.push(1);
        return `(?:${parameter[1] ?? '[^/]+'})${parameter[2] ?? ''}`;
      }
      ranks.push(0);
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { pattern: new RegExp(`^${source}$`), ranks };
}

/**
 * Refuses a query string whose percent-encoding is no UTF-8 (the bytes of a lone surrogate, a cut
 * sequence): Hono hands such a value on as it came, so a text check would see `%ED%A0%80` where the
 * client meant something no field stores. A 400 naming the parameter.
 */
export function wellFormedQuery(): MiddlewareHandler {
  return async (c, next) => {
    const url = c.req.url;
    const start = url.indexOf('?');
    if (start >= 0 && url.includes('%', start)) {
      for (const pair of url.slice(start + 1).split('&')) {
        if (!pair.includes('%')) continue;
        const split = pair.indexOf('=');
        const [name, value] = split < 0 ? [pair, ''] : [pair.slice(0, split), pair.slice(split + 1)];
        const field = decodedOrNull(name) ?? name;
        if (decodedOrNull(name) === null || decodedOrNull(value) === null) {
          throw new ValidationError('The query string is not valid UTF-8 text.', [
            { path: field, message: 'is not UTF-8 text' },
          ]);
        }
      }
    }
    await next();
  };
}

const decodedOrNull = (component: string): string | null => {
  try {
    return decodeURIComponent(component.replaceAll('+', ' '));
  } catch {
    return null;
  }
};
