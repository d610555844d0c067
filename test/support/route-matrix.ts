/**
 * The machinery of an authorization matrix: rows that say, per route, what each kind of caller
 * must get, and the means to check a row over HTTP and to check that the rows cover the app.
 */

export type Caller = 'anonymous' | 'singer' | 'curator' | 'kj' | 'admin';
export const CALLERS: readonly Caller[] = ['anonymous', 'singer', 'curator', 'kj', 'admin'];

/**
 * `allowed`: the caller gets past authentication and authorization, whatever the route then
 * answers (200, 204, 302, 400, 404, 409…). Otherwise the status the caller must be refused with.
 */
export type Expectation = 'allowed' | 401 | 403;
export type Expectations = Record<Caller, Expectation>;
export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Sends a request to the server with one caller's credentials (or none). */
export type Client = (path: string, init?: RequestInit) => Promise<Response>;

/** What a row builds its request from. */
export interface ProbeContext<F> {
  fixtures: F;
  caller: Caller;
  /** Sends with the caller's credentials: for a row that needs something of the caller's first. */
  as: Client;
}

export interface Row<F> {
  method: Method;
  /** The path template as the OpenAPI document spells it. */
  path: string;
  /** Which case of the route this row is, when the answer depends on whose resource it is. */
  variant?: string;
  expect: Expectations;
  /** Values for the template's `{params}`; a template param without one fails the row. */
  params?: (probe: ProbeContext<F>) => Promise<Record<string, string>> | Record<string, string>;
  /** A JSON body: valid where that is cheap (a check after validation must see it), harmless if it goes through. */
  body?: (probe: ProbeContext<F>) => Promise<unknown> | unknown;
  /** Sees the answer, to clean up what an allowed write created. */
  after?: (response: Response, fixtures: F) => Promise<void>;
}

export const routeOf = (method: string, path: string) => `${method.toUpperCase()} ${path}`;
export const rowName = <F>(row: Row<F>) =>
  `${routeOf(row.method, row.path)}${row.variant === undefined ? '' : ` (${row.variant})`}`;
/** Distinct routes, sorted, so two lists compare as sets with a readable diff. */
export const routeSet = (routes: Iterable<string>) => [...new Set(routes)].sort();

const OPENAPI_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

/** As much of an OpenAPI document as the routes need. */
export interface OpenApiPaths {
  paths: Record<string, Record<string, unknown>>;
}

/** The routes an OpenAPI document describes, as `METHOD /path/{param}`. */
export function documentedRoutes(document: OpenApiPaths): string[] {
  return Object.entries(document.paths).flatMap(([path, item]) =>
    Object.keys(item)
      .filter((key) => OPENAPI_METHODS.has(key))
      .map((method) => routeOf(method, path)),
  );
}

/** The routes a Hono app registers, middleware left out, with `:param` spelled `{param}`. */
export function registeredRoutes(app: { routes: ReadonlyArray<{ method: string; path: string }> }): string[] {
  return app.routes
    .filter((route) => route.method !== 'ALL')
    .map((route) => routeOf(route.method, route.path.replace(/:(\w+)(\{[^}]*\})?/g, '{$1}')));
}

/**
 * How an answer reads in the matrix. A 5xx proves nothing either way (it may come before the
 * authorization check ran), so it is reported as itself and never passes as `allowed`.
 */
export function outcomeOf(status: number): Expectation | `server error ${number}` {
  if (status === 401 || status === 403) return status;
  if (status >= 500) return `server error ${status}`;
  return 'allowed';
}

/** Sends the row's request as the caller; returns how the answer reads and what to show if it is wrong. */
export async function probe<F>(row: Row<F>, context: ProbeContext<F>) {
  const values = (await row.params?.(context)) ?? {};
  const path = row.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`${rowName(row)}: give a value for {${name}}`);
    return encodeURIComponent(value);
  });
  const body = row.body ? JSON.stringify(await row.body(context)) : undefined;
  const response = await context.as(path, {
    method: row.method,
    ...(body === undefined ? {} : { body, headers: { 'content-type': 'application/json' } }),
  });
  const text = await response.clone().text();
  await row.after?.(response, context.fixtures);
  return {
    outcome: outcomeOf(response.status),
    detail: `${row.method} ${path} as ${context.caller} answered ${response.status}: ${text.slice(0, 300)}`,
  };
}
