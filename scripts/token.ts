/**
 * `npm run token -- <demo user>`: prints a Bearer access token for a demo user of the running local
 * stack, as the last line of output.
 *
 * It finds the stack through `.local/data/stack.json`, which `npm start` writes when it is ready and
 * removes when it stops (`scripts/local/stack-file.ts`), and signs in at that stack's local OpenID provider the way a browser would:
 * authorization request with PKCE, the provider's login form, the code, the token endpoint. The
 * token is a real one from the provider (signed with its key of this run), so it stops working when
 * the stack restarts or after 15 minutes. Local stage only: the provider exists nowhere else.
 */
import { pathToFileURL } from 'node:url';
import * as client from 'openid-client';
import {
  ACCESS_TOKEN_SECONDS,
  DEMO_USERNAMES,
  OIDC_MOUNT_PATH,
  TOKEN_CLI_CLIENT_ID,
  TOKEN_CLI_REDIRECT_URI,
} from './local/oidc-provider.ts';
import { runningLocalStack } from './local/stack-file.ts';

interface StoredCookie {
  host: string;
  path: string;
  name: string;
  value: string;
}

/** Just enough of a browser's cookie handling for same-host flows: host-only cookies with paths. */
export class CookieJar {
  #cookies: StoredCookie[] = [];

  /** Takes the Set-Cookie headers of a response to a request for `url`. */
  store(url: URL, response: Response): void {
    for (const line of response.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
      const separator = pair.indexOf('=');
      if (separator <= 0) continue;
      const name = pair.slice(0, separator);
      const value = pair.slice(separator + 1);
      const attribute = (key: string) =>
        attributes.find((item) => item.toLowerCase().startsWith(`${key}=`))?.slice(key.length + 1);
      const lastSlash = url.pathname.lastIndexOf('/');
      const path = attribute('path') ?? (lastSlash > 0 ? url.pathname.slice(0, lastSlash) : '/');
      const maxAge = attribute('max-age');
      const expires = attribute('expires');
      const expired =
        (maxAge !== undefined && Number(maxAge) <= 0) ||
        (expires !== undefined && Date.parse(expires) <= Date.now());
      this.#cookies = this.#cookies.filter(
        (cookie) => !(cookie.host === url.host && cookie.path === path && cookie.name === name),
      );
      if (!expired) this.#cookies.push({ host: url.host, path, name, value });
    }
  }

  /** Sets a cookie by hand (a test replaying or tampering with one). */
  set(url: URL, name: string, value: string, path = '/'): void {
    this.#cookies = this.#cookies.filter(
      (cookie) => !(cookie.host === url.host && cookie.path === path && cookie.name === name),
    );
    this.#cookies.push({ host: url.host, path, name, value });
  }

  /** The value of the cookie named so that a request to `url` would carry. */
  get(url: URL, name: string): string | undefined {
    return this.#matching(url).find((cookie) => cookie.name === name)?.value;
  }

  header(url: URL): string | undefined {
    const cookies = this.#matching(url);
    return cookies.length > 0
      ? cookies.map((cookie) => `${cookie.name}=${cookie.value}`).join('; ')
      : undefined;
  }

  #matching(url: URL): StoredCookie[] {
    const within = (path: string) =>
      url.pathname === path || url.pathname.startsWith(path.endsWith('/') ? path : `${path}/`);
    return this.#cookies.filter((cookie) => cookie.host === url.host && within(cookie.path));
  }
}

export interface Visit {
  /** The last response received. */
  response: Response;
  /** The URL it answered. */
  url: URL;
  /** Set when the walk stopped at a redirect: where it pointed. */
  location?: URL;
}

const MAX_REDIRECTS = 10;

/** fetch with a cookie jar and hand-followed redirects, as a browser without scripts would. */
export class HeadlessBrowser {
  readonly cookies = new CookieJar();

  /** One request: cookies out and in, redirects not followed. */
  async request(url: URL, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    const cookie = this.cookies.header(url);
    if (cookie) headers.set('cookie', cookie);
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    this.cookies.store(url, response);
    return response;
  }

  /**
   * Follows redirects from `url` until a response that is not one, or until a redirect whose target
   * `stopAt` accepts, which is returned unvisited (a code meant for another client, say).
   */
  async visit(
    url: URL,
    stopAt: (location: URL) => boolean = () => false,
    init?: RequestInit,
  ): Promise<Visit> {
    let current = url;
    let request = init;
    for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
      const response = await this.request(current, request);
      const target = response.headers.get('location');
      if (response.status < 300 || response.status >= 400 || target === null)
        return { response, url: current };
      const location = new URL(target, current);
      if (stopAt(location)) return { response, url: current, location };
      await response.body?.cancel();
      current = location;
      request = undefined;
    }
    throw new Error(`more than ${MAX_REDIRECTS} redirects from ${url.href}`);
  }
}

/**
 * From `start` (an authorization request, or the BFF's `/auth/login`) through the local provider's
 * login form, up to the redirect that `stopAt` recognises as the way back to the client; returns
 * that redirect's URL, which carries the authorization code.
 */
export async function signInAtLocalProvider(
  browser: HeadlessBrowser,
  start: URL,
  credentials: { username: string; password: string },
  stopAt: (location: URL) => boolean,
): Promise<URL> {
  const loginPage = await browser.visit(start, stopAt);
  if (loginPage.location) return loginPage.location;
  const html = await loginPage.response.text();
  const action = /<form method="post" action="([^"]+\/login)"/.exec(html)?.[1];
  if (!action) {
    throw new Error(
      `expected the login form at ${loginPage.url.href}, got HTTP ${loginPage.response.status}`,
    );
  }
  const signedIn = await browser.visit(new URL(action, loginPage.url), stopAt, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(credentials).toString(),
  });
  if (signedIn.location) return signedIn.location;
  throw new Error(
    signedIn.response.status === 401
      ? `the provider refused ${credentials.username}: unknown user or wrong password`
      : `sign-in ended at ${signedIn.url.href} with HTTP ${signedIn.response.status}`,
  );
}

/** Signs in as a demo user with the token client and returns the access token for the API. */
export async function issueLocalAccessToken(
  issuer: string,
  username: string,
  password = username,
): Promise<string> {
  const config = await client.discovery(new URL(issuer), TOKEN_CLI_CLIENT_ID, undefined, client.None(), {
    execute: [client.allowInsecureRequests],
  });
  const codeVerifier = client.randomPKCECodeVerifier();
  const state = client.randomState();
  const authorizationUrl = client.buildAuthorizationUrl(config, {
    redirect_uri: TOKEN_CLI_REDIRECT_URI,
    scope: 'openid profile email',
    code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    state,
  });
  const callback = await signInAtLocalProvider(
    new HeadlessBrowser(),
    authorizationUrl,
    { username, password },
    (url) => url.href.startsWith(TOKEN_CLI_REDIRECT_URI),
  );
  const tokens = await client.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: codeVerifier,
    expectedState: state,
  });
  return tokens.access_token;
}

/** The issuer of the running local stack's own provider; refuses any other stack. */
function localIssuer(): { url: string; issuer: string } {
  const { url, env } = runningLocalStack();
  const issuer = env.OIDC_ISSUER;
  if (env.STAGE !== 'local' || issuer !== `${url}${OIDC_MOUNT_PATH}`) {
    throw new Error(
      `The running stack trusts ${issuer ?? 'no issuer'}, not its local provider: tokens are local-only.`,
    );
  }
  return { url, issuer };
}

async function main(): Promise<void> {
  const username = process.argv[2];
  if (!username || !(DEMO_USERNAMES as readonly string[]).includes(username)) {
    throw new Error(`Usage: npm run token -- <demo user>, one of: ${DEMO_USERNAMES.join(', ')}`);
  }
  const { url, issuer } = localIssuer();
  const token = await issueLocalAccessToken(issuer, username);
  console.log(`Access token for ${username} from ${issuer}, valid ${ACCESS_TOKEN_SECONDS / 60} minutes.`);
  console.log(
    `Try: curl -H "Authorization: Bearer $(npm run -s token -- ${username} | tail -n 1)" ${url}/api/me`,
  );
  console.log(token);
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
}
