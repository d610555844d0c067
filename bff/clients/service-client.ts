import type { Actor } from '#lib/actor';
import { ACTOR_TOKEN_HEADER, type ActorTokenSigner } from '#lib/actor-token';
import {
  ConflictError,
  DependencyError,
  type FieldIssue,
  ForbiddenError,
  NotFoundError,
  PayloadTooLargeError,
  PreconditionFailedError,
  UnauthorizedError,
  UnprocessableContentError,
  ValidationError,
} from '#lib/errors';
import { REQUEST_ID_HEADER } from '#lib/http';
import { noTracer, type Span, TRACE_HEADER, type Tracer } from '#lib/trace';

/** Signs a request for the internal routes (SigV4 on AWS); locally requests go unsigned. */
export type RequestSigner = (request: Request) => Promise<Request>;

export interface CallContext {
  requestId: string;
  traceId: string;
}

export interface ServiceCall {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  /** Who the BFF acts for, for services that authorise per record (said in the call's actor token). */
  actor?: Actor;
  /** Sent as `If-Match` (optimistic concurrency on services that version their records). */
  ifMatch?: string;
}

/** A route of a service contract: how its service declares it with `createRoute`. */
export interface ContractRoute {
  method: string;
  path: string;
}

/**
 * The method and path of a contract route under the service's base path, each `{param}` of the
 * path filled in from `params` (encoded), so a client never spells a service's paths itself.
 */
export function requestLine(
  basePath: string,
  route: ContractRoute,
  params: Record<string, string> = {},
): Pick<ServiceCall, 'method' | 'path'> {
  const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined) throw new Error(`${route.path}: no value for {${name}}`);
    return encodeURIComponent(value);
  });
  return { method: route.method.toUpperCase() as ServiceCall['method'], path: basePath + path };
}

export interface ServiceClient {
  /** Calls the service and returns its JSON body; a 4xx becomes the matching AppError, anything else a DependencyError. */
  call<T>(context: CallContext, call: ServiceCall): Promise<T>;
}

export interface ServiceClientOptions {
  /** The service's name: the audience of the actor tokens its calls carry. */
  name: string;
  baseUrl: string;
  /** Per attempt. */
  timeoutMs: number;
  /** Extra attempts for idempotent calls (GET) after a timeout, a network error or a 502/503/504. */
  retries: number;
  /** Signs the actor token every call carries (the service refuses calls without one). */
  actorTokens: ActorTokenSigner;
  sign?: RequestSigner;
  fetch?: typeof fetch;
  /** Each call becomes a subsegment named for the service; the callee's segment hangs under it. */
  tracer?: Tracer;
}

const RETRYABLE_STATUS = new Set([502, 503, 504]);

/**
 * HTTP client for one internal service: request id and trace header on every call, a timeout per
 * attempt, bounded retries with jittered backoff for idempotent calls only (a retried POST could
 * write twice), and the service's problem answers turned back into the error hierarchy.
 */
export function httpServiceClient(options: ServiceClientOptions): ServiceClient {
  const doFetch = options.fetch ?? fetch;
  const tracer = options.tracer ?? noTracer;
  return {
    call<T>(context: CallContext, call: ServiceCall): Promise<T> {
      if (tracer === noTracer) return send<T>(context, call, `Root=${context.traceId}`);
      return tracer.span(
        options.name,
        (span) => send<T>(context, call, tracer.headerFor(context.traceId), span),
        {
          namespace: 'remote',
          http: { method: call.method, url: options.baseUrl.replace(/\/$/, '') + call.path },
        },
      );
    },
  };

  async function send<T>(
    context: CallContext,
    call: ServiceCall,
    traceHeader: string,
    span?: Span,
  ): Promise<T> {
    const url = new URL(options.baseUrl.replace(/\/$/, '') + call.path);
    for (const [key, value] of Object.entries(call.query ?? {})) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    const attempts = call.method === 'GET' ? options.retries + 1 : 1;
    // One token for every attempt: it outlives the attempts and their backoff (see ACTOR_TOKEN_LIFETIME_SECONDS).
    const actorToken = await options.actorTokens.sign(options.name, call.actor);
    let lastError: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      let response: Response | undefined;
      try {
        let request = new Request(url, {
          method: call.method,
          headers: {
            accept: 'application/json',
            [REQUEST_ID_HEADER]: context.requestId,
            [TRACE_HEADER]: traceHeader,
            ...(call.body === undefined ? {} : { 'content-type': 'application/json' }),
            [ACTOR_TOKEN_HEADER]: actorToken,
            ...(call.ifMatch === undefined ? {} : { 'if-match': call.ifMatch }),
          },
          ...(call.body === undefined ? {} : { body: JSON.stringify(call.body) }),
          signal: AbortSignal.timeout(options.timeoutMs),
        });
        if (options.sign) request = await options.sign(request);
        response = await doFetch(request);
        span?.status(response.status);
        if (response.ok) return (response.status === 204 ? undefined : await response.json()) as T;
      } catch (error) {
        // No answer (or an unreadable one): worth another attempt.
        lastError = error;
      }
      if (response && !response.ok) {
        // Only a gateway's "try again" is retried; any other answer is the service's last word.
        if (!RETRYABLE_STATUS.has(response.status) || attempt === attempts) {
          throw await toAppError(options.name, response);
        }
        lastError = new DependencyError(`${options.name} answered ${response.status}`);
      }
      if (attempt < attempts) await new Promise((resolve) => setTimeout(resolve, backoffMs(attempt)));
    }
    if (lastError instanceof DependencyError) throw lastError;
    throw new DependencyError(`${options.name} did not answer: ${describe(lastError)}`, {
      cause: lastError,
    });
  }
}

const backoffMs = (attempt: number) => 25 * 2 ** attempt + Math.random() * 25;

function describe(error: unknown): string {
  if (error instanceof Error) return error.name === 'TimeoutError' ? 'timed out' : error.message;
  return String(error);
}

async function toAppError(service: string, response: Response): Promise<Error> {
  const problem = (await response.json().catch(() => ({}))) as { detail?: string; issues?: FieldIssue[] };
  const detail = problem.detail ?? `${service} answered ${response.status}`;
  // The fields a 404, 409 or 422 names travel on to the BFF's caller.
  const withIssues = problem.issues ? { details: { issues: problem.issues } } : undefined;
  switch (response.status) {
    case 400:
      return new ValidationError(detail, problem.issues ?? []);
    case 422:
      return new UnprocessableContentError(detail, withIssues);
    case 401:
      return new UnauthorizedError(detail);
    case 403:
      return new ForbiddenError(detail);
    case 404:
      return new NotFoundError(detail, withIssues);
    case 409:
      return new ConflictError(detail, withIssues);
    case 412:
      return new PreconditionFailedError(detail);
    case 413:
      return new PayloadTooLargeError(detail);
    default:
      return new DependencyError(`${service} answered ${response.status}: ${detail}`);
  }
}
