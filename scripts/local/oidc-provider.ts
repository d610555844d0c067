import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { escapeHtml } from '#lib/html';

/**
 * The local stand-in for Cognito: `oidc-provider` mounted at `/oidc` of the local server, with
 * seeded demo users and a plain login page. It exists only for STAGE=local.
 */

export const OIDC_MOUNT_PATH = '/oidc';
/** Resource indicator of the API. Tokens for it are RS256 JWTs whose `aud` is OIDC_AUDIENCE. */
export const API_RESOURCE = 'urn:karaoke-suite:api';
/** Public client of `npm run token`: it never serves its redirect URI, it only reads the code off it. */
export const TOKEN_CLI_CLIENT_ID = 'karaoke-token-cli';
export const TOKEN_CLI_REDIRECT_URI = 'http://127.0.0.1/token-cli/callback';
export const ACCESS_TOKEN_SECONDS = 15 * 60;

// singer9 is left to the test that ends all of a user's sessions, so it ends no other test's.
const SINGERS = Array.from({ length: 9 }, (_, index) => `singer${index + 1}`);
export const DEMO_USERNAMES = ['kj', 'curator', 'admin', ...SINGERS] as const;

export interface DemoUser {
  username: string;
  /** uuid v5 of the user name: the same on every start, so data keyed by it survives restarts. */
  sub: string;
  name: string;
  email: string;
  groups: string[];
}

const DEMO_NAMESPACE = '0b1c7a52-4a3e-4f0e-9d57-7d3f4b6f2a10';
const DISPLAY_NAMES: Record<string, string> = { kj: 'Demo KJ', curator: 'Demo Curator', admin: 'Demo Admin' };

/** RFC 9562 version 5 (SHA-1, name-based) UUID. */
export function uuidV5(name: string, namespace: string): string {
  const hash = createHash('sha1')
    .update(Buffer.from(namespace.replaceAll('-', ''), 'hex'))
    .update(name, 'utf8')
    .digest()
    .subarray(0, 16);
  hash.writeUInt8((hash.readUInt8(6) & 0x0f) | 0x50, 6);
  hash.writeUInt8((hash.readUInt8(8) & 0x3f) | 0x80, 8);
  const hex = hash.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** kj, curator and admin belong to the group of their name; singer1…singer9 to `singer`. */
export const DEMO_USERS: readonly DemoUser[] = DEMO_USERNAMES.map((username) => ({
  username,
  sub: uuidV5(username, DEMO_NAMESPACE),
  name: DISPLAY_NAMES[username] ?? `Singer ${username.slice('singer'.length)}`,
  email: `${username}@karaoke.test`,
  groups: [username.startsWith('singer') ? 'singer' : username],
}));

/** The demo user with this name and password (the password is the user name), or undefined. */
export function checkDemoPassword(username: string, password: string): DemoUser | undefined {
  return DEMO_USERS.find((user) => user.username === username && password === username);
}

/** A fresh RS256 signing key as a private JWK (with `kid`), for one run of the provider. */
export async function generateSigningKey(): Promise<JWK> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { ...(await exportJWK(privateKey)), kid: randomUUID(), alg: 'RS256', use: 'sig' };
}

export interface LocalOidcOptions {
  stage: string;
  /** `<server URL>/oidc`. */
  issuer: string;
  /** `aud` of the access tokens for the API. */
  audience: string;
  bffClient: {
    clientId: string;
    clientSecret: string;
    redirectUri: string;
    /** Where the provider may send the browser back after signing out (RP-initiated logout). */
    postLogoutRedirectUri: string;
  };
  /** Private RS256 JWK to sign with; a new one is generated when absent. */
  signingKey?: JWK;
  onError?: (error: unknown) => void;
}

export interface LocalOidcProvider {
  issuer: string;
  /** Node request listener for every request under `/oidc`. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /**
   * What an administrator does in Cognito's console, for tests of what the BFF makes of it: put a
   * demo user in other groups (tokens issued from now on carry them) …
   */
  setGroups(username: string, groups: string[]): void;
  /** … or sign the user out everywhere (`AdminUserGlobalSignOut`): their refresh tokens stop working. */
  signOutEverywhere(username: string): void;
}

/* The package ships no type declarations; the part used here is typed below. */
interface InteractionDetails {
  uid: string;
  prompt: { name: string };
  /** Set once `loadExistingGrant` has supplied the session's grant. */
  grantId?: string;
}
interface Grant {
  addOIDCScope(scope: string): void;
  save(): Promise<string>;
}
interface ProviderInstance {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  interactionDetails(req: IncomingMessage, res: ServerResponse): Promise<InteractionDetails>;
  interactionFinished(
    req: IncomingMessage,
    res: ServerResponse,
    result: Record<string, unknown>,
    options?: { mergeWithLastSubmission?: boolean },
  ): Promise<void>;
  on(event: 'server_error', listener: (ctx: unknown, error: Error) => void): void;
}
interface PageContext {
  type?: string;
  body?: string;
  set(header: string, value: string): void;
}
interface GrantModel {
  new (properties: { clientId: string; accountId: string }): Grant;
  find(id: string): Promise<Grant | undefined>;
}
interface GrantContext {
  oidc: {
    provider: { Grant: GrantModel };
    client: { clientId: string };
    session: { accountId: string; grantIdFor(clientId: string): string | undefined };
    result?: { consent?: { grantId?: string } };
  };
}
interface ProviderModule {
  default: new (issuer: string, configuration: Record<string, unknown>) => ProviderInstance;
  errors: { InvalidTarget: new () => Error; SessionNotFound: new () => Error };
}

// Loaded by a name the compiler does not resolve, since the package has no declarations to resolve to.
const PROVIDER_PACKAGE: string = 'oidc-provider';
const OIDC_SCOPES = 'openid profile email';

export async function createLocalOidcProvider(options: LocalOidcOptions): Promise<LocalOidcProvider> {
  if (options.stage !== 'local') {
    throw new Error(`The local OpenID provider runs only with STAGE=local (STAGE is '${options.stage}').`);
  }
  const { default: Provider, errors } = (await import(PROVIDER_PACKAGE)) as ProviderModule;
  const signingKey = options.signingKey ?? (await generateSigningKey());
  const bySub = new Map(DEMO_USERS.map((user) => [user.sub, { ...user }]));
  const storage = memoryAdapter();
  const demoUser = (username: string) => {
    const user = [...bySub.values()].find((candidate) => candidate.username === username);
    if (!user) throw new Error(`no demo user named ${username}`);
    return user;
  };

  const provider = new Provider(options.issuer, {
    adapter: storage.Adapter,
    clients: [
      {
        client_id: options.bffClient.clientId,
        client_secret: options.bffClient.clientSecret,
        redirect_uris: [options.bffClient.redirectUri],
        post_logout_redirect_uris: [options.bffClient.postLogoutRedirectUri],
        grant_types: ['authorization_code', 'refresh_token'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      },
      {
        client_id: TOKEN_CLI_CLIENT_ID,
        application_type: 'native',
        redirect_uris: [TOKEN_CLI_REDIRECT_URI],
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'none',
      },
    ],
    pkce: { required: () => true },
    // As Cognito does: a refresh token with every code grant to a client allowed to refresh, never
    // rotated; it dies with the provider's session (sign-out) and with the grant.
    issueRefreshToken: async (_ctx: unknown, client: { grantTypeAllowed(type: string): boolean }) =>
      client.grantTypeAllowed('refresh_token'),
    rotateRefreshToken: () => false,
    jwks: { keys: [signingKey] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    claims: {
      openid: ['sub'],
      profile: ['name', 'preferred_username', 'groups'],
      email: ['email', 'email_verified'],
    },
    async findAccount(_ctx: unknown, id: string) {
      const user = bySub.get(id);
      if (!user) return undefined;
      return {
        accountId: user.sub,
        async claims() {
          return {
            sub: user.sub,
            name: user.name,
            preferred_username: user.username,
            email: user.email,
            email_verified: true,
            groups: user.groups,
          };
        },
      };
    },
    // Access tokens carry the groups, as Cognito's carry `cognito:groups`.
    async extraTokenClaims(_ctx: unknown, token: { accountId?: string }) {
      const user = token.accountId ? bySub.get(token.accountId) : undefined;
      return user ? { groups: user.groups } : undefined;
    },
    // Both clients are first-party, so there is no consent page (Cognito shows none either).
    async loadExistingGrant(ctx: GrantContext) {
      const { provider: self, client, session, result } = ctx.oidc;
      const grantId = result?.consent?.grantId ?? session.grantIdFor(client.clientId);
      const existing = grantId ? await self.Grant.find(grantId) : undefined;
      if (existing) return existing;
      const grant = new self.Grant({ clientId: client.clientId, accountId: session.accountId });
      grant.addOIDCScope(OIDC_SCOPES);
      await grant.save();
      return grant;
    },
    interactions: {
      url: (_ctx: unknown, interaction: { uid: string }) =>
        `${OIDC_MOUNT_PATH}/interaction/${interaction.uid}`,
    },
    features: {
      devInteractions: { enabled: false },
      rpInitiatedLogout: {
        enabled: true,
        // Cognito signs out without asking; the provider insists on a form, so it submits itself.
        logoutSource: async (ctx: PageContext, form: string) => {
          const nonce = randomBytes(16).toString('base64url');
          ctx.set(
            'content-security-policy',
            `default-src 'none'; style-src 'unsafe-inline'; script-src 'nonce-${nonce}'; frame-ancestors 'none'`,
          );
          ctx.type = 'html';
          ctx.body = page(
            'Signing out',
            `${form}
            <button type="submit" form="op.logoutForm" name="logout" value="yes">Sign out</button>
            <script nonce="${nonce}">document.forms['op.logoutForm'].requestSubmit(document.querySelector('button[value=yes]'))</script>`,
          );
        },
      },
      resourceIndicators: {
        enabled: true,
        // Clients need not ask for the API: Cognito has no resource parameter, and the BFF sends none.
        defaultResource: async (_ctx: unknown, _client: unknown, oneOf?: string[]) =>
          oneOf ? (oneOf.includes(API_RESOURCE) ? API_RESOURCE : oneOf[0]) : API_RESOURCE,
        useGrantedResource: async () => true,
        getResourceServerInfo: async (_ctx: unknown, indicator: string) => {
          if (indicator !== API_RESOURCE) throw new errors.InvalidTarget();
          return {
            scope: '',
            audience: options.audience,
            accessTokenFormat: 'jwt',
            accessTokenTTL: ACCESS_TOKEN_SECONDS,
            jwt: { sign: { alg: 'RS256' } },
          };
        },
      },
    },
    ttl: {
      AccessToken: ACCESS_TOKEN_SECONDS,
      RefreshToken: 12 * 60 * 60,
      AuthorizationCode: 60,
      IdToken: ACCESS_TOKEN_SECONDS,
      Interaction: 10 * 60,
      Session: 12 * 60 * 60,
      Grant: 12 * 60 * 60,
    },
    clientBasedCORS: () => false,
    async renderError(ctx: { type?: string; body?: string }, out: Record<string, string | undefined>) {
      ctx.type = 'html';
      ctx.body = page('Sign-in error', `<p>${escapeHtml(out.error_description ?? out.error ?? 'error')}</p>`);
    },
  });
  const onError = options.onError ?? ((error: unknown) => console.error('local OpenID provider:', error));
  provider.on('server_error', (_ctx, error) => onError(error));
  const callback = provider.callback();

  return {
    issuer: options.issuer,
    setGroups(username, groups) {
      demoUser(username).groups = [...groups];
    },
    signOutEverywhere(username) {
      storage.dropAccount(demoUser(username).sub);
    },
    handle(req, res) {
      const path = (req.url ?? '/').slice(OIDC_MOUNT_PATH.length);
      if (path.startsWith('/interaction/')) {
        interaction(provider, errors.SessionNotFound, req, res, path).catch((error: unknown) => {
          onError(error);
          if (!res.headersSent) sendHtml(res, 500, page('Sign-in error', '<p>Something went wrong.</p>'));
        });
        return;
      }
      // Mounted like Express would: the provider routes on the stripped URL and derives its
      // mount path from the original one.
      Object.assign(req, { originalUrl: req.url, url: path.startsWith('/') ? path : `/${path}` });
      callback(req, res);
    },
  };
}

/** The login page (GET) and its form posts: `/interaction/<uid>`, `/login`, `/abort`. */
async function interaction(
  provider: ProviderInstance,
  SessionNotFound: new () => Error,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): Promise<void> {
  const [, , uid = '', action = ''] = path.split('?')[0]?.split('/') ?? [];
  let details: InteractionDetails;
  try {
    details = await provider.interactionDetails(req, res);
  } catch (error) {
    if (!(error instanceof SessionNotFound)) throw error;
    return sendHtml(
      res,
      400,
      page('Sign-in expired', '<p>This sign-in has expired. Start again from the app.</p>'),
    );
  }
  if (details.uid !== uid) {
    return sendHtml(res, 400, page('Sign-in error', '<p>This sign-in step is not expected now.</p>'));
  }
  // The provider asks native clients (the token command) for consent on every sign-in. Every client
  // here is first-party and already holds its grant: confirm it without a page, as Cognito would.
  if (details.prompt.name === 'consent' && details.grantId && req.method === 'GET') {
    return provider.interactionFinished(req, res, { consent: { grantId: details.grantId } });
  }
  if (details.prompt.name !== 'login') {
    return sendHtml(res, 400, page('Sign-in error', '<p>This sign-in step is not expected now.</p>'));
  }
  if (req.method === 'GET' && action === '') return sendHtml(res, 200, loginPage(uid));
  if (req.method === 'POST' && action === 'login') {
    const form = await readForm(req);
    const username = form.get('username') ?? '';
    const user = checkDemoPassword(username, form.get('password') ?? '');
    if (!user) return sendHtml(res, 401, loginPage(uid, username, 'Unknown user or wrong password.'));
    return provider.interactionFinished(
      req,
      res,
      { login: { accountId: user.sub } },
      { mergeWithLastSubmission: false },
    );
  }
  if (req.method === 'POST' && action === 'abort') {
    return provider.interactionFinished(
      req,
      res,
      { error: 'access_denied', error_description: 'The user cancelled the sign-in.' },
      { mergeWithLastSubmission: false },
    );
  }
  sendHtml(res, 404, page('Not found', '<p>No such sign-in step.</p>'));
}

function loginPage(uid: string, username = '', failure?: string): string {
  const action = `${OIDC_MOUNT_PATH}/interaction/${encodeURIComponent(uid)}`;
  return page(
    'Sign in',
    `${failure ? `<p role="alert" class="failure">${escapeHtml(failure)}</p>` : ''}
    <form method="post" action="${action}/login">
      <label>User name <input name="username" value="${escapeHtml(username)}" autocomplete="username" required autofocus></label>
      <label>Password <input name="password" type="password" autocomplete="current-password" required></label>
      <button type="submit">Sign in</button>
    </form>
    <form method="post" action="${action}/abort"><button type="submit">Cancel</button></form>
    <p class="hint">Local demo users: ${DEMO_USERNAMES.join(', ')}. The password is the user name.</p>`,
  );
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escapeHtml(title)} · Karaoke Suite (local)</title>
  <style>
    body { font-family: system-ui, sans-serif; max-width: 24rem; margin: 4rem auto; padding: 0 1rem; }
    label { display: block; margin: 0 0 1rem; } input { display: block; width: 100%; padding: .4rem; }
    button { padding: .5rem 1rem; margin: 0 0 1rem; } .failure { color: #a00; } .hint { color: #555; }
  </style>
</head>
<body><main><h1>${escapeHtml(title)}</h1>${body}</main></body>
</html>`;
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, {
    'content-type': 'text/html; charset=utf-8',
    'cache-control': 'no-store',
    'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    'x-content-type-options': 'nosniff',
  });
  res.end(html);
}

const MAX_FORM_BYTES = 8 * 1024;

async function readForm(req: IncomingMessage): Promise<URLSearchParams> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_FORM_BYTES) throw new Error('login form too large');
    chunks.push(chunk as Buffer);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

interface StoredPayload {
  uid?: string;
  grantId?: string;
  consumed?: number;
  [claim: string]: unknown;
}

/**
 * The provider's storage (sessions, codes, grants) in this process's memory: the local provider
 * forgets everything on restart, and signing keys change then anyway.
 */
function memoryAdapter() {
  const entries = new Map<string, { payload: StoredPayload; expiresAt: number }>();
  /** Forgets every session, grant and token of the account. */
  const dropAccount = (accountId: string) => {
    for (const [key, entry] of entries) if (entry.payload.accountId === accountId) entries.delete(key);
  };
  const live = (key: string) => {
    const entry = entries.get(key);
    if (entry && entry.expiresAt <= Date.now()) entries.delete(key);
    return entries.get(key)?.payload;
  };
  const Adapter = class MemoryAdapter {
    constructor(private readonly model: string) {}
    private key(id: string) {
      return `${this.model}:${id}`;
    }
    async upsert(id: string, payload: StoredPayload, expiresIn?: number) {
      const expiresAt = expiresIn ? Date.now() + expiresIn * 1000 : Number.POSITIVE_INFINITY;
      entries.set(this.key(id), { payload, expiresAt });
      if (payload.uid) entries.set(`${this.model}:uid:${payload.uid}`, { payload: { id }, expiresAt });
    }
    async find(id: string) {
      return live(this.key(id));
    }
    async findByUid(uid: string) {
      const index = live(`${this.model}:uid:${uid}`);
      return typeof index?.id === 'string' ? live(this.key(index.id)) : undefined;
    }
    async findByUserCode() {
      return undefined;
    }
    async consume(id: string) {
      const payload = live(this.key(id));
      if (payload) payload.consumed = Math.floor(Date.now() / 1000);
    }
    async destroy(id: string) {
      entries.delete(this.key(id));
    }
    async revokeByGrantId(grantId: string) {
      for (const [key, entry] of entries) if (entry.payload.grantId === grantId) entries.delete(key);
    }
  };
  return { Adapter, dropAccount };
}
