import { type OpenAPIHono, z } from '@hono/zod-openapi';
import type { Env } from 'hono';
import { ProblemSchema } from '../auth/openapi.ts';

type Document = ReturnType<OpenAPIHono['getOpenAPI31Document']>;

interface Operation {
  parameters?: Array<{ in?: string; name?: string } | { $ref: string }>;
  requestBody?: unknown;
  responses?: Record<string, unknown>;
}

const ValidationProblem = ProblemSchema.extend({
  issues: z
    .array(
      z.object({
        path: z.string().openapi({ description: 'The field, dotted: `title`, `items.0.songId`, `If-Match`' }),
        message: z.string(),
      }),
    )
    .openapi({ description: 'What is wrong with each field' }),
}).openapi('ValidationProblem');

const RateLimitedProblem = ProblemSchema.extend({
  retryAfterSeconds: z.number().int().positive(),
}).openapi('RateLimitedProblem');

const problemOf = (schema: string) => ({
  'application/problem+json': { schema: { $ref: `#/components/schemas/${schema}` } },
});

/**
 * The answers of the request pipeline every route runs through (app.ts), before or around its
 * handler, as response components: authentication and its challenge, the CSRF check, the body
 * limit, the media-type gate and schema validation of `@hono/zod-openapi`, the rate limits,
 * If-Match, and a service that does not answer.
 */
const PIPELINE_RESPONSES = {
  InvalidRequest: {
    description: 'A parameter, header or body field is not valid; `issues` says which and why',
    content: problemOf('ValidationProblem'),
  },
  Unauthenticated: {
    description: 'Not signed in where the route needs it, or a Bearer token was sent and refused',
    headers: {
      'WWW-Authenticate': {
        description: 'How to authenticate (RFC 6750)',
        required: true,
        schema: { type: 'string' },
      },
    },
    content: problemOf('Problem'),
  },
  Forbidden: {
    description:
      'Signed in without a role or a right this needs, or a cross-site request riding on the session cookie',
    content: problemOf('Problem'),
  },
  NotFound: {
    description: 'Nothing by that id, or a cursor that names no page of this listing',
    content: problemOf('Problem'),
  },
  PreconditionFailed: {
    description: 'If-Match names none of the current ETags: read again, then retry',
    content: problemOf('Problem'),
  },
  PayloadTooLarge: { description: 'The body is larger than the API takes', content: problemOf('Problem') },
  UnsupportedMediaType: {
    description: 'The body is not `application/json`',
    content: problemOf('Problem'),
  },
  TooManyRequests: {
    description: 'Over the rate limit of this user or address, or too many refused requests from it',
    headers: {
      'Retry-After': {
        description: 'Seconds until the limit allows requests again',
        required: true,
        schema: { type: 'integer', minimum: 1 },
      },
    },
    content: problemOf('RateLimitedProblem'),
  },
  RequestTooLarge: {
    description:
      'The request line and headers together are larger than the server reads (16 KB): a long query, say. ' +
      'Answered before the API sees the request, so it has no problem body',
  },
  ServiceUnavailable: {
    description: 'A service this request needs does not answer; try again shortly',
    content: problemOf('Problem'),
  },
} as const;

type PipelineResponse = keyof typeof PIPELINE_RESPONSES;

const UNSAFE_METHODS = new Set(['post', 'put', 'patch', 'delete']);

/**
 * Which pipeline answers an operation can give, from what the description says of it:
 *
 * - every operation: 401 (a refused Bearer token, whatever the route), 429 (the limits count every
 *   request), 431 (the HTTP server's limit on the request line and headers) and 503;
 * - with any parameter or a body: 400 (schema validation, as a field-level problem);
 * - with a path parameter: 404 (nothing by that id); with a `cursor`, too (one that names no page);
 * - with an `If-Match` header: 412;
 * - with an unsafe method: 403 (the CSRF check of cookie requests) and 413 (the body limit runs on
 *   every method but GET and HEAD);
 * - with a body: 415 (the media-type gate).
 *
 * Statuses a route's own rules add (a role, a conflict) stay declared on the route.
 */
export function pipelineResponsesOf(method: string, path: string, operation: Operation): PipelineResponse[] {
  const parameters = (operation.parameters ?? []).filter(
    (parameter): parameter is { in?: string; name?: string } => !('$ref' in parameter),
  );
  const hasBody = operation.requestBody !== undefined;
  const unsafe = UNSAFE_METHODS.has(method);
  const answers: PipelineResponse[] = [];
  if (parameters.length > 0 || hasBody) answers.push('InvalidRequest');
  answers.push('Unauthenticated');
  if (unsafe) answers.push('Forbidden');
  if (
    path.includes('{') ||
    parameters.some((parameter) => parameter.in === 'query' && parameter.name === 'cursor')
  )
    answers.push('NotFound');
  if (
    parameters.some((parameter) => parameter.in === 'header' && parameter.name?.toLowerCase() === 'if-match')
  )
    answers.push('PreconditionFailed');
  if (unsafe) answers.push('PayloadTooLarge');
  if (hasBody) answers.push('UnsupportedMediaType');
  answers.push('TooManyRequests', 'RequestTooLarge', 'ServiceUnavailable');
  return answers;
}

const STATUS: Record<PipelineResponse, string> = {
  InvalidRequest: '400',
  Unauthenticated: '401',
  Forbidden: '403',
  NotFound: '404',
  PreconditionFailed: '412',
  PayloadTooLarge: '413',
  UnsupportedMediaType: '415',
  TooManyRequests: '429',
  RequestTooLarge: '431',
  ServiceUnavailable: '503',
};

/** Registers the problem schemas and the pipeline's response components with the app's description. */
export function registerPipelineResponses<E extends Env>(app: OpenAPIHono<E>): void {
  app.openAPIRegistry.register('ValidationProblem', ValidationProblem);
  app.openAPIRegistry.register('RateLimitedProblem', RateLimitedProblem);
  app.openAPIRegistry.register('Problem', ProblemSchema);
  for (const [name, response] of Object.entries(PIPELINE_RESPONSES)) {
    app.openAPIRegistry.registerComponent('responses', name, response);
  }
}

/**
 * The description with each operation's pipeline answers ({@link pipelineResponsesOf}) added by
 * reference, so a route added later is described by the same rule without a word of its own. A
 * status the route declares itself is kept as it is.
 */
export function withPipelineResponses(document: Document): Document {
  const paths: Record<string, Record<string, Operation>> = {};
  for (const [path, item] of Object.entries(document.paths ?? {})) {
    const described: Record<string, Operation> = {};
    for (const [method, value] of Object.entries(item as Record<string, Operation>)) {
      if (!METHODS.has(method)) {
        described[method] = value;
        continue;
      }
      const responses = { ...value.responses };
      for (const name of pipelineResponsesOf(method, path, value)) {
        responses[STATUS[name]] ??= { $ref: `#/components/responses/${name}` };
      }
      described[method] = { ...value, responses: sortedByStatus(responses) };
    }
    paths[path] = described;
  }
  return { ...document, paths } as Document;
}

const METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

const sortedByStatus = (responses: Record<string, unknown>) =>
  Object.fromEntries(Object.entries(responses).sort(([a], [b]) => a.localeCompare(b)));
