import { createRemoteJWKSet, errors, type JWTPayload, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { AppError, DependencyError, UnauthorizedError } from '#lib/errors';
import { type Principal, profileFromClaims } from './principal.ts';

/** Turns a Bearer access token into a principal, or throws why it cannot. */
export interface BearerVerifier {
  verify(token: string): Promise<Principal>;
}

export interface BearerVerifierOptions {
  issuer: string;
  audience: string;
  /** The issuer's signing keys (a remote JWKS in production, a local key set in tests). */
  keys: JWTVerifyGetKey;
  /** Seconds of clock difference tolerated on `exp`, `nbf` and `iat`. */
  clockToleranceSeconds?: number;
}

/** The only signature algorithm accepted: what both Cognito and the local provider sign with. */
const ALLOWED_ALGORITHMS = ['RS256'];

/**
 * Verifies JWT access tokens: RS256 signature by one of the issuer's keys, `iss`, `exp`, and the
 * audience. The audience is the token's `aud`; a Cognito access token has none and names its app
 * client in `client_id` instead, so that is compared when `aud` is absent. Tokens that declare a
 * `token_use` other than `access` (Cognito ID tokens, whose `aud` is the client id) are refused.
 */
export function jwtBearerVerifier(options: BearerVerifierOptions): BearerVerifier {
  return {
    async verify(token) {
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, options.keys, {
          issuer: options.issuer,
          algorithms: ALLOWED_ALGORITHMS,
          requiredClaims: ['sub', 'exp'],
          clockTolerance: options.clockToleranceSeconds ?? 5,
        }));
      } catch (error) {
        throw asVerificationFailure(error);
      }
      if (!meantFor(payload, options.audience)) {
        throw new UnauthorizedError('The access token is not meant for this API.');
      }
      if (payload.token_use !== undefined && payload.token_use !== 'access') {
        throw new UnauthorizedError('Only access tokens are accepted as Bearer tokens.');
      }
      if (typeof payload.sub !== 'string' || payload.sub.length === 0) {
        throw new UnauthorizedError('The access token names no subject.');
      }
      return { ...profileFromClaims(payload), via: 'bearer' };
    },
  };
}

function meantFor(payload: JWTPayload, audience: string): boolean {
  if (payload.aud !== undefined) return [payload.aud].flat().includes(audience);
  return payload.client_id === audience;
}

/**
 * Key sets that cannot be fetched are an outage (503); everything else about a token that does not
 * verify is the caller's problem (401). Messages stay generic: they are not a verification oracle.
 */
function asVerificationFailure(error: unknown): Error {
  if (error instanceof AppError) return error;
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) {
    return new DependencyError('The issuer signing keys could not be fetched.', { cause: error });
  }
  if (error instanceof errors.JWTExpired) {
    return new UnauthorizedError('The access token has expired.', { cause: error });
  }
  if (error instanceof errors.JOSEError) {
    return new UnauthorizedError('The access token is not valid.', { cause: error });
  }
  return new DependencyError('The issuer signing keys could not be fetched.', { cause: error });
}

/**
 * The issuer's key set, fetched from the `jwks_uri` its discovery document names (it differs between
 * Cognito and other providers), once, then cached and refreshed by jose as keys rotate.
 */
export function remoteJwks(jwksUri: () => Promise<URL>): JWTVerifyGetKey {
  let keySet: ReturnType<typeof createRemoteJWKSet> | undefined;
  return async (header, token) => {
    keySet ??= createRemoteJWKSet(await jwksUri(), { timeoutDuration: 5000, cooldownDuration: 30_000 });
    return keySet(header, token);
  };
}
