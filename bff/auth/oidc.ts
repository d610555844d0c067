import * as client from 'openid-client';
import { DependencyError, UnauthorizedError } from '#lib/errors';
import { profileFromClaims, type UserProfile } from './principal.ts';
import type { SessionTokens } from './sessions.ts';

/** The secrets a sign-in must present again at the callback: PKCE verifier, state and nonce. */
export interface LoginChecks {
  codeVerifier: string;
  state: string;
  nonce: string;
}

export interface SignedIn {
  user: UserProfile;
  tokens: SessionTokens;
}

/** The BFF as an OAuth client of the identity provider (authorization code flow with PKCE). */
export interface OidcClient {
  /** Where to send the browser to sign in, and the checks to keep until it comes back. */
  beginLogin(): Promise<{ authorizationUrl: URL; checks: LoginChecks }>;
  /** Validates the callback and exchanges its code; throws UnauthorizedError when it does not hold. */
  completeLogin(callbackUrl: URL, checks: LoginChecks): Promise<SignedIn>;
  /** The issuer's key set location, from its discovery document. */
  jwksUri(): Promise<URL>;
}

export interface OpenidClientOptions {
  issuer: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /** Plain-HTTP issuers are allowed only for the local provider (config enforces https elsewhere). */
  allowHttp: boolean;
}

/** Standard scopes only: Cognito puts `cognito:groups` in the ID token without asking. */
const SCOPE = 'openid profile email';
const REQUEST_TIMEOUT_SECONDS = 5;

/** Codes of openid-client errors that mean the provider answered nonsense, not that the sign-in is bad. */
const PROVIDER_FAULTS = new Set(['OAUTH_RESPONSE_IS_NOT_CONFORM', 'OAUTH_RESPONSE_IS_NOT_JSON']);

/**
 * `openid-client` against the configured issuer. Discovery happens on first use (not at cold start,
 * so a provider outage does not stop the BFF from serving anonymous routes) and is retried on the
 * next use if it failed.
 */
export function openidClient(options: OpenidClientOptions): OidcClient {
  let configuration: Promise<client.Configuration> | undefined;
  const discovered = () => {
    configuration ??= client
      .discovery(
        new URL(options.issuer),
        options.clientId,
        undefined,
        client.ClientSecretBasic(options.clientSecret),
        {
          execute: options.allowHttp ? [client.allowInsecureRequests] : [],
          timeout: REQUEST_TIMEOUT_SECONDS,
        },
      )
      .catch((error: unknown) => {
        configuration = undefined;
        throw new DependencyError('The identity provider could not be reached.', { cause: error });
      });
    return configuration;
  };

  return {
    async beginLogin() {
      const config = await discovered();
      const checks: LoginChecks = {
        codeVerifier: client.randomPKCECodeVerifier(),
        state: client.randomState(),
        nonce: client.randomNonce(),
      };
      const authorizationUrl = client.buildAuthorizationUrl(config, {
        redirect_uri: options.redirectUri,
        scope: SCOPE,
        code_challenge: await client.calculatePKCECodeChallenge(checks.codeVerifier),
        code_challenge_method: 'S256',
        state: checks.state,
        nonce: checks.nonce,
      });
      return { authorizationUrl, checks };
    },

    async completeLogin(callbackUrl, checks) {
      const config = await discovered();
      try {
        const response = await client.authorizationCodeGrant(config, callbackUrl, {
          pkceCodeVerifier: checks.codeVerifier,
          expectedState: checks.state,
          expectedNonce: checks.nonce,
          idTokenExpected: true,
        });
        const claims = response.claims();
        if (!claims) throw new UnauthorizedError('The identity provider returned no ID token.');
        const expiresIn = response.expiresIn();
        return {
          user: profileFromClaims(claims),
          tokens: {
            accessToken: response.access_token,
            ...(response.id_token ? { idToken: response.id_token } : {}),
            ...(response.refresh_token ? { refreshToken: response.refresh_token } : {}),
            ...(expiresIn === undefined
              ? {}
              : { accessTokenExpiresAt: Math.floor(Date.now() / 1000) + expiresIn }),
          },
        };
      } catch (error) {
        throw asSignInFailure(error);
      }
    },

    async jwksUri() {
      const uri = (await discovered()).serverMetadata().jwks_uri;
      if (!uri) throw new DependencyError('The identity provider publishes no jwks_uri.');
      return new URL(uri);
    },
  };
}

function asSignInFailure(error: unknown): Error {
  if (error instanceof UnauthorizedError) return error;
  const rejected =
    error instanceof client.AuthorizationResponseError ||
    error instanceof client.ResponseBodyError ||
    (error instanceof client.ClientError && !PROVIDER_FAULTS.has(error.code ?? ''));
  return rejected
    ? new UnauthorizedError('Sign-in could not be completed; start again at /auth/login.', { cause: error })
    : new DependencyError('The identity provider could not complete the sign-in.', { cause: error });
}
