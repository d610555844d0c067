import * as client from 'openid-client';
import { DependencyError, UnauthorizedError } from '#lib/errors';
import { profileFromClaims, type UserProfile } from './principal.ts';
import type { ProviderTokens } from './sessions.ts';

/** The secrets a sign-in must present again at the callback: PKCE verifier, state and nonce. */
export interface LoginChecks {
  codeVerifier: string;
  state: string;
  nonce: string;
}

export interface SignedIn {
  user: UserProfile;
  tokens: ProviderTokens;
}

/** The provider refused a refresh token: the grant behind the session was revoked or has expired. */
export class GrantRevokedError extends UnauthorizedError {}

/** The BFF as an OAuth client of the identity provider (authorization code flow with PKCE). */
export interface OidcClient {
  /** Where to send the browser to sign in, and the checks to keep until it comes back. */
  beginLogin(): Promise<{ authorizationUrl: URL; checks: LoginChecks }>;
  /** Validates the callback and exchanges its code; throws UnauthorizedError when it does not hold. */
  completeLogin(callbackUrl: URL, checks: LoginChecks): Promise<SignedIn>;
  /**
   * Asks the provider who the user is now, with the session's refresh token: the new ID token's
   * claims, for the same subject. Throws GrantRevokedError when the provider refuses the token.
   */
  refresh(refreshToken: string, expectedSubject: string): Promise<SignedIn>;
  /**
   * Where to send the browser so that the provider's own session ends too, then back to
   * `returnTo`; undefined when the provider offers no such endpoint.
   */
  endSessionUrl(returnTo: string, idTokenHint?: string): Promise<URL | undefined>;
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
  /**
   * Cognito's `/logout` endpoint (`client_id` and `logout_uri` parameters), which its discovery
   * document does not name; without it the discovered `end_session_endpoint` is used.
   */
  cognitoLogoutUrl?: string;
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
        return signedInFrom(response);
      } catch (error) {
        throw asSignInFailure(error);
      }
    },

    async refresh(refreshToken, expectedSubject) {
      const config = await discovered();
      let signedIn: SignedIn;
      try {
        signedIn = signedInFrom(await client.refreshTokenGrant(config, refreshToken));
      } catch (error) {
        if (error instanceof client.ResponseBodyError && error.error === 'invalid_grant') {
          throw new GrantRevokedError('The sign-in was revoked at the identity provider.', { cause: error });
        }
        throw new DependencyError('The identity provider could not refresh the session.', { cause: error });
      }
      if (signedIn.user.id !== expectedSubject) {
        throw new GrantRevokedError('The identity provider answered for another user.');
      }
      return signedIn;
    },

    async endSessionUrl(returnTo, idTokenHint) {
      if (options.cognitoLogoutUrl) {
        const url = new URL(options.cognitoLogoutUrl);
        url.searchParams.set('client_id', options.clientId);
        url.searchParams.set('logout_uri', returnTo);
        return url;
      }
      const config = await discovered();
      if (!config.serverMetadata().end_session_endpoint) return undefined;
      return client.buildEndSessionUrl(config, {
        client_id: options.clientId,
        post_logout_redirect_uri: returnTo,
        ...(idTokenHint ? { id_token_hint: idTokenHint } : {}),
      });
    },

    async jwksUri() {
      const uri = (await discovered()).serverMetadata().jwks_uri;
      if (!uri) throw new DependencyError('The identity provider publishes no jwks_uri.');
      return new URL(uri);
    },
  };
}

/** The user and the tokens worth keeping from a token response; the access token is dropped. */
function signedInFrom(
  response: client.TokenEndpointResponse & client.TokenEndpointResponseHelpers,
): SignedIn {
  const claims = response.claims();
  if (!claims) throw new UnauthorizedError('The identity provider returned no ID token.');
  return {
    user: profileFromClaims(claims),
    tokens: {
      ...(response.id_token ? { idToken: response.id_token } : {}),
      ...(response.refresh_token ? { refreshToken: response.refresh_token } : {}),
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
