import { createLocalJWKSet, exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import { UnauthorizedError } from '#lib/errors';
import { jwtBearerVerifier } from './bearer.ts';
import { type KeyValueStore, memoryKeyValueStore } from './kv.ts';
import type { AuthDeps } from './middleware.ts';
import { GrantRevokedError, type LoginChecks, type OidcClient } from './oidc.ts';
import type { UserProfile } from './principal.ts';
import { aesGcmSealer, type Sealer } from './sealed.ts';
import { createPendingLoginStore, createSessionStore, type SessionTimeouts } from './sessions.ts';

/**
 * Authentication for in-process app tests (`app.request()`): sessions in memory, an identity
 * provider that signs in whoever `signInAs` names, and Bearer tokens signed by a test key.
 */
export interface TestAuth {
  deps: AuthDeps;
  kv: KeyValueStore;
  issuer: string;
  audience: string;
  /** Who the fake provider signs in at the next callback, and says the user is at the next refresh. */
  signInAs(user: UserProfile): void;
  /** Makes the fake provider refuse every refresh token from now on (the grant was revoked). */
  revokeGrants(): void;
  /** Refresh tokens the fake provider was asked about, in order. */
  refreshes: string[];
  /** Where the fake provider's sign-out sent browsers, with the ID token hint given. */
  endSessions: Array<{ returnTo: string; idTokenHint?: string }>;
  /** A session for the user, as the callback would have created it; returns the session id. */
  sessionFor(user: UserProfile): Promise<string>;
  /** An RS256 access token from the test issuer for the audience, with the claims given on top. */
  bearerToken(claims?: JWTPayload): Promise<string>;
}

export interface TestAuthOptions {
  issuer?: string;
  audience?: string;
  timeouts?: SessionTimeouts;
  /** Replaces the session store's storage (e.g. one that fails, to act out a Redis outage). */
  kv?: KeyValueStore;
  sealer?: Sealer;
  now?: () => number;
}

// One key for every test in a run: RSA key generation is slow enough to dominate unit tests.
let testKeys: ReturnType<typeof generateKeyPair> | undefined;

export async function testAuth(options: TestAuthOptions = {}): Promise<TestAuth> {
  const issuer = options.issuer ?? 'https://idp.test/oidc';
  const audience = options.audience ?? 'karaoke-api';
  const kv = options.kv ?? memoryKeyValueStore();
  testKeys ??= generateKeyPair('RS256');
  const { privateKey, publicKey } = await testKeys;
  const publicJwk = { ...(await exportJWK(publicKey)), kid: 'test-key', alg: 'RS256' };
  let nextUser: UserProfile = { id: 'user-1', roles: ['singer'], name: 'Singer 1' };
  const sealer = options.sealer ?? aesGcmSealer(Buffer.alloc(32, 7));
  const sessions = createSessionStore(
    kv,
    sealer,
    options.timeouts ?? { idleSeconds: 1800, absoluteSeconds: 43_200 },
    options.now,
  );
  let grantsRevoked = false;
  let refreshCount = 0;
  const refreshes: string[] = [];
  const endSessions: TestAuth['endSessions'] = [];

  const oidc: OidcClient = {
    async beginLogin() {
      const checks: LoginChecks = {
        codeVerifier: 'verifier',
        state: `state-${Math.random()}`,
        nonce: 'nonce',
      };
      const authorizationUrl = new URL(`${issuer}/auth`);
      authorizationUrl.searchParams.set('state', checks.state);
      return { authorizationUrl, checks };
    },
    async completeLogin(callbackUrl, checks) {
      if (callbackUrl.searchParams.get('state') !== checks.state || !callbackUrl.searchParams.get('code')) {
        throw new UnauthorizedError('Sign-in could not be completed; start again at /auth/login.');
      }
      return {
        user: nextUser,
        tokens: { idToken: 'provider-id-token', refreshToken: 'provider-refresh-token' },
      };
    },
    async refresh(refreshToken, expectedSubject) {
      refreshes.push(refreshToken);
      if (grantsRevoked || nextUser.id !== expectedSubject) {
        throw new GrantRevokedError('The sign-in was revoked at the identity provider.');
      }
      refreshCount++;
      return { user: nextUser, tokens: { idToken: `provider-id-token-${refreshCount}` } };
    },
    async endSessionUrl(returnTo, idTokenHint) {
      endSessions.push({ returnTo, ...(idTokenHint ? { idTokenHint } : {}) });
      const url = new URL(`${issuer}/session/end`);
      url.searchParams.set('post_logout_redirect_uri', returnTo);
      return url;
    },
    async jwksUri() {
      return new URL(`${issuer}/jwks`);
    },
  };

  return {
    deps: {
      sessions,
      pendingLogins: createPendingLoginStore(kv),
      oidc,
      bearer: jwtBearerVerifier({ issuer, audience, keys: createLocalJWKSet({ keys: [publicJwk] }) }),
    },
    kv,
    issuer,
    audience,
    signInAs(user) {
      nextUser = user;
    },
    revokeGrants() {
      grantsRevoked = true;
    },
    refreshes,
    endSessions,
    sessionFor(user) {
      return sessions.create(user, { idToken: 'provider-id-token', refreshToken: 'provider-refresh-token' });
    },
    bearerToken(claims = {}) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ iss: issuer, aud: audience, sub: 'user-1', iat: now, exp: now + 300, ...claims })
        .setProtectedHeader({ alg: 'RS256', kid: 'test-key' })
        .sign(privateKey);
    },
  };
}
