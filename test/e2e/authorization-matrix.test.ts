import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type BffDeps, createApp } from '#bff/app';
import { loadBffConfig } from '#bff/config';
import { type LocalServer, startLocalServer } from '../../scripts/local/server.ts';
import { startLocalSync } from '../../scripts/local/sync.ts';
import { HeadlessBrowser, issueLocalAccessToken, signInAtLocalProvider } from '../../scripts/token.ts';
import { freePort } from '../support/child.ts';

/**
 * Who may call what, for every route of the BFF, checked over HTTP on the local stack. The table
 * below is the one place that says it; the first test fails when the app has a route the table
 * lacks, or the table names a route the app does not have.
 */

type Caller = 'anonymous' | 'singer' | 'curator' | 'kj' | 'admin';
/**
 * `allowed`: the caller gets past authentication and authorization, whatever the route then
 * answers (200, 204, 302, 400, 404, 409…). Otherwise the status the caller must be refused with.
 */
type Expectation = 'allowed' | 401 | 403;
type Expectations = Record<Caller, Expectation>;
type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** The demo user each caller signs in as; anonymous sends no credentials. */
const DEMO_USER: Record<Exclude<Caller, 'anonymous'>, string> = {
  singer: 'singer1',
  curator: 'curator',
  kj: 'kj',
  admin: 'admin',
};
const CALLERS: readonly Caller[] = ['anonymous', 'singer', 'curator', 'kj', 'admin'];

const EVERYONE: Expectations = {
  anonymous: 'allowed',
  singer: 'allowed',
  curator: 'allowed',
  kj: 'allowed',
  admin: 'allowed',
};
const SIGNED_IN: Expectations = {
  anonymous: 401,
  singer: 'allowed',
  curator: 'allowed',
  kj: 'allowed',
  admin: 'allowed',
};
const CURATORS: Expectations = { anonymous: 401, singer: 403, curator: 'allowed', kj: 403, admin: 'allowed' };
const NOBODY_WITHOUT_A_SIGN_IN_IN_PROGRESS: Expectations = {
  anonymous: 401,
  singer: 401,
  curator: 401,
  kj: 401,
  admin: 401,
};

/** Sends a request to the server with one caller's credentials (or none). */
type Client = (path: string, init?: RequestInit) => Promise<Response>;

/** What rows build their requests from; exists once the server runs. */
interface Fixtures {
  /** A song of this run that stays for the whole file. */
  songId: string;
  /** A new song of this run, for a row that may delete it. */
  newSong(): Promise<string>;
  /** Remembers a song a row created, to remove it at the end. */
  created(songId: string): void;
  /** A song title no other test or run uses. */
  title(purpose: string): string;
}

interface Row {
  method: Method;
  /** The path template as the OpenAPI document spells it. */
  path: string;
  expect: Expectations;
  /** Values for the template's `{params}`; a template param without one fails the row. */
  params?: (fixtures: Fixtures) => Promise<Record<string, string>> | Record<string, string>;
  /** A JSON body: valid where that is cheap, and harmless when the write goes through. */
  body?: (fixtures: Fixtures, as: Client) => Promise<unknown> | unknown;
  /** Sees the answer, to clean up what an allowed write created. */
  after?: (response: Response, fixtures: Fixtures) => Promise<void>;
}

const theSong = (fixtures: Fixtures) => ({ id: fixtures.songId });
const theSongAsSongId = (fixtures: Fixtures) => ({ songId: fixtures.songId });

/** Every route of the BFF. Writes stay harmless: throwaway songs, and a profile patched to what it was. */
const ROWS: readonly Row[] = [
  { method: 'GET', path: '/api/health', expect: EVERYONE },
  { method: 'GET', path: '/api/openapi.json', expect: EVERYONE },
  { method: 'GET', path: '/api/docs', expect: EVERYONE },

  { method: 'GET', path: '/api/songs/search', expect: EVERYONE },
  { method: 'GET', path: '/api/songs/{id}', expect: EVERYONE, params: theSong },
  {
    method: 'POST',
    path: '/api/songs',
    expect: CURATORS,
    body: (fixtures) => ({ title: fixtures.title('created'), artist: 'The Placeholders' }),
    after: async (response, fixtures) => {
      if (response.status === 201) fixtures.created(((await response.json()) as { id: string }).id);
    },
  },
  {
    method: 'PATCH',
    path: '/api/songs/{id}',
    expect: CURATORS,
    params: theSong,
    body: () => ({ tags: ['authorization-matrix'] }),
  },
  {
    method: 'DELETE',
    path: '/api/songs/{id}',
    expect: CURATORS,
    params: async (fixtures) => ({ id: await fixtures.newSong() }),
  },

  { method: 'GET', path: '/api/me', expect: SIGNED_IN },
  {
    method: 'PATCH',
    path: '/api/me',
    expect: SIGNED_IN,
    // The stage name the caller already has: a real write that changes nothing other tests see.
    body: async (_fixtures, as) => {
      const me = await as('/api/me');
      const profile = me.ok
        ? ((await me.json()) as { profile: { data?: { stageName: string } } }).profile
        : {};
      return { stageName: profile.data?.stageName ?? 'Matrix Probe' };
    },
  },
  { method: 'GET', path: '/api/me/favourites', expect: SIGNED_IN },
  { method: 'PUT', path: '/api/me/favourites/{songId}', expect: SIGNED_IN, params: theSongAsSongId },
  { method: 'DELETE', path: '/api/me/favourites/{songId}', expect: SIGNED_IN, params: theSongAsSongId },

  { method: 'GET', path: '/auth/login', expect: EVERYONE },
  // Public, but it answers only the browser that started at /auth/login: a token gets nobody in.
  { method: 'GET', path: '/auth/callback', expect: NOBODY_WITHOUT_A_SIGN_IN_IN_PROGRESS },
  { method: 'POST', path: '/auth/logout', expect: EVERYONE },
  { method: 'GET', path: '/auth/session', expect: SIGNED_IN },
];

/** Served by the app but not described in its OpenAPI document. */
const UNDOCUMENTED_ROUTES = ['GET /api/openapi.json', 'GET /api/docs'];

const SAFE_METHODS: ReadonlySet<Method> = new Set(['GET']);
const OPENAPI_METHODS = new Set(['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace']);

const routeOf = (method: string, path: string) => `${method.toUpperCase()} ${path}`;
const sorted = (routes: Iterable<string>) => [...new Set(routes)].sort();

/**
 * How an answer reads in the matrix. A 5xx proves nothing either way (it may come before the
 * authorization check ran), so it is reported as itself and never passes as `allowed`.
 */
function outcomeOf(status: number): Expectation | `server error ${number}` {
  if (status === 401 || status === 403) return status;
  if (status >= 500) return `server error ${status}`;
  return 'allowed';
}

async function fillPath(row: Row, fixtures: Fixtures): Promise<string> {
  const values = (await row.params?.(fixtures)) ?? {};
  return row.path.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`${routeOf(row.method, row.path)}: give a value for {${name}}`);
    return encodeURIComponent(value);
  });
}

/** Sends the row's request as `as`; returns the answer and how it reads in the matrix. */
async function probe(row: Row, as: Client, fixtures: Fixtures) {
  const path = await fillPath(row, fixtures);
  const body = row.body ? JSON.stringify(await row.body(fixtures, as)) : undefined;
  const response = await as(path, {
    method: row.method,
    ...(body === undefined ? {} : { body, headers: { 'content-type': 'application/json' } }),
  });
  const text = await response.clone().text();
  await row.after?.(response, fixtures);
  return {
    outcome: outcomeOf(response.status),
    detail: `${row.method} ${path} answered ${response.status}: ${text.slice(0, 300)}`,
  };
}

describe('the authorization matrix over HTTP on the local stack', () => {
  let server: LocalServer;
  let sync: { stop(): Promise<void> };
  let fixtures: Fixtures;
  const clients = new Map<Caller, Client>();
  const songsToRemove = new Set<string>();
  const run = randomUUID().slice(0, 8);

  const send = (headers: Record<string, string>): Client => {
    return (path, init = {}) =>
      fetch(new URL(path, server.url), {
        ...init,
        headers: { ...headers, ...(init.headers as Record<string, string> | undefined) },
        redirect: 'manual',
      });
  };

  /** A browser signed in through /auth/login as the demo user; its requests carry the session cookie. */
  async function signInByBrowser(username: string): Promise<HeadlessBrowser> {
    const browser = new HeadlessBrowser();
    const callback = await signInAtLocalProvider(
      browser,
      new URL('/auth/login', server.url),
      { username, password: username },
      (location) => location.pathname === '/auth/callback',
    );
    expect((await browser.request(callback)).status).toBe(302);
    return browser;
  }

  const asBrowser =
    (browser: HeadlessBrowser, origin?: string): Client =>
    (path, init = {}) =>
      browser.request(new URL(path, server.url), {
        ...init,
        headers: {
          ...(init.headers as Record<string, string> | undefined),
          ...(origin === undefined ? {} : { origin }),
        },
      });

  beforeAll(async () => {
    server = await startLocalServer(inject('localEnv'), await freePort());
    // The whole system as `npm start` runs it: song search needs the index the change chain creates.
    sync = await startLocalSync({ env: inject('localEnv') });
    clients.set('anonymous', send({}));
    await Promise.all(
      Object.entries(DEMO_USER).map(async ([caller, username]) => {
        const token = await issueLocalAccessToken(server.oidcIssuer, username);
        clients.set(caller as Caller, send({ authorization: `Bearer ${token}` }));
      }),
    );
    const curator = clients.get('curator') as Client;
    const title = (purpose: string) => `Authorization Matrix ${purpose} ${run} ${randomUUID().slice(0, 8)}`;
    const newSong = async () => {
      const response = await curator('/api/songs', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ title: title('fixture'), artist: 'The Placeholders' }),
      });
      expect(response.status).toBe(201);
      const { id } = (await response.json()) as { id: string };
      songsToRemove.add(id);
      return id;
    };
    fixtures = {
      songId: await newSong(),
      newSong,
      created: (songId) => songsToRemove.add(songId),
      title,
    };
  });

  afterAll(async () => {
    const curator = clients.get('curator');
    if (curator) {
      await Promise.all([...songsToRemove].map((id) => curator(`/api/songs/${id}`, { method: 'DELETE' })));
    }
    await sync?.stop();
    await server?.close();
  });

  describe('covers every route', () => {
    const tableRoutes = sorted(ROWS.map((row) => routeOf(row.method, row.path)));

    it('has exactly one row per route', () => {
      expect(ROWS.length).toBe(tableRoutes.length);
    });

    it('has a row for every route of /api/openapi.json, plus the undocumented ones, and no others', async () => {
      const response = await fetch(`${server.url}/api/openapi.json`);
      expect(response.status).toBe(200);
      const document = (await response.json()) as { paths: Record<string, Record<string, unknown>> };
      const documented = Object.entries(document.paths).flatMap(([path, item]) =>
        Object.keys(item)
          .filter((key) => OPENAPI_METHODS.has(key))
          .map((method) => routeOf(method, path)),
      );
      expect(documented.filter((route) => UNDOCUMENTED_ROUTES.includes(route))).toEqual([]);
      expect(tableRoutes, 'rows (received) against documented routes (expected)').toEqual(
        sorted([...documented, ...UNDOCUMENTED_ROUTES]),
      );
    });

    it('has a row for every route the app registers, documented or not, and no others', () => {
      // Built with the local server's config and no adapters: it lists its routes, never serves one.
      const config = loadBffConfig({
        ...inject('localEnv'),
        OIDC_ISSUER: server.oidcIssuer,
        PUBLIC_BASE_URL: server.url,
        SERVICES_BASE_URL: server.url,
        SERVICE_AUTH: 'none',
      });
      const registered = createApp({ config } as BffDeps)
        .routes.filter((route) => route.method !== 'ALL')
        .map((route) => routeOf(route.method, route.path.replace(/:(\w+)(\{[^}]*\})?/g, '{$1}')));
      expect(tableRoutes, 'rows (received) against registered routes (expected)').toEqual(sorted(registered));
    });
  });

  const cases = ROWS.flatMap((row) =>
    CALLERS.map((caller) => ({
      name: `${row.method} ${row.path} · ${caller} → ${row.expect[caller]}`,
      row,
      caller,
    })),
  );

  describe('with Bearer tokens, or no credentials', () => {
    it.each(cases)('$name', async ({ row, caller }) => {
      const { outcome, detail } = await probe(row, clients.get(caller) as Client, fixtures);
      expect(outcome, detail).toBe(row.expect[caller]);
    });
  });

  describe('with a session cookie, writes need an allowed Origin', () => {
    const writes = ROWS.filter((row) => !SAFE_METHODS.has(row.method));
    const route = (row: Row) => `${row.method} ${row.path}`;
    let admin: HeadlessBrowser;

    beforeAll(async () => {
      admin = await signInByBrowser(DEMO_USER.admin);
    });

    it.each(writes.map((row) => ({ name: `${route(row)} · admin session without Origin → 403`, row })))(
      '$name',
      async ({ row }) => {
        const { outcome, detail } = await probe(row, asBrowser(admin), fixtures);
        expect(outcome, detail).toBe(403);
      },
    );

    it.each(
      writes.map((row) => ({ name: `${route(row)} · admin session from https://evil.example → 403`, row })),
    )('$name', async ({ row }) => {
      const { outcome, detail } = await probe(row, asBrowser(admin, 'https://evil.example'), fixtures);
      expect(outcome, detail).toBe(403);
    });

    // The same requests from the BFF's own origin get what the admin's token gets: the refusals
    // above were about the origin, not the role. A session each, since one of them signs out.
    it.each(
      writes.map((row) => ({
        name: `${route(row)} · admin session from its own origin → ${row.expect.admin}`,
        row,
      })),
    )('$name', async ({ row }) => {
      const browser = await signInByBrowser(DEMO_USER.admin);
      const { outcome, detail } = await probe(row, asBrowser(browser, server.url), fixtures);
      expect(outcome, detail).toBe(row.expect.admin);
    });
  });
});
