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
  /** Tokens this process remembers as verified (0: verify every time), and for how long at most. */
  rememberTokens?: number;
  rememberSeconds?: number;
  now?: () => number;
}

/** The only signature algorithm accepted: what both Cognito and the local provider sign with. */
const ALLOWED_ALGORITHMS = ['RS256'];

/**
 * Verifies JWT access tokens: RS256 signature by one of the issuer's keys, `iss`, `exp`, and the
 * audience. The audience is the token's `aud`; a Cognito access token has none and names its app
 * client in `client_id` instead, so that is compared when `aud` is absent. Tokens that declare a
 * `token_use` other than `access` (Cognito ID tokens, whose `aud` is the client id) are refused.
 *
 * A client sends the same token with every request until it expires, and checking its RSA
 * signature is most of what an answer from the read cache costs. So a token that verified is
 * remembered, by its exact text, until it expires or for `rememberSeconds` (the longest a key
 * withdrawn from the issuer's key set may still be honoured), whichever comes first. Any other text
 * (a tampered token) is verified in full; refusals are never remembered.
 */
/**
 * The longest a signing key withdrawn from the issuer's key set may still be honoured: half of it
 * is the most the cached key set may be old ({@link remoteJwks}), half the most a verified token is
 * remembered, so the two together never exceed it.
 */
export const KEY_WITHDRAWAL_SECONDS = 300;

export function jwtBearerVerifier(options: BearerVerifierOptions): BearerVerifier {
  const now = options.now ?? Date.now;
  const remembered = new Map<string, { principal: Principal; until: number }>();
  const capacity = options.rememberTokens ?? 10_000;
  const maxAgeMs = (options.rememberSeconds ?? KEY_WITHDRAWAL_SECONDS / 2) * 1000;

  async function verifyInFull(token: string): Promise<{ principal: Principal; expiresAt: number }> {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, options.keys, {
        issuer: options.issuer,
        algorithms: ALLOWED_ALGORITHMS,
        requiredClaims: ['sub', 'exp'],
        clockTolerance: options.clockToleranceSeconds ?? 5,
        currentDate: new Date(now()),
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
    const principal: Principal = Object.freeze({ ...profileFromClaims(payload), via: 'bearer' });
    return { principal, expiresAt: (payload.exp as number) * 1000 };
  }

  return {
    async verify(token) {
      const at = now();
      const known = remembered.get(token);
      if (known && at < known.until) return known.principal;
      if (known) remembered.delete(token);
      const { principal, expiresAt } = await verifyInFull(token);
      if (capacity > 0) {
        // Map order is insertion order: the first key is the oldest entry.
        if (remembered.size >= capacity) remembered.delete(remembered.keys().next().value as string);
        remembered.set(token, { principal, until: Math.min(expiresAt, at + maxAgeMs) });
      }
      return principal;
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
 * Cognito and other providers), once, then cached and refreshed by jose as keys rotate, and fetched
 * again once the cached copy is half of {@link KEY_WITHDRAWAL_SECONDS} old (jose keeps it 10 minutes
 * by default), so a withdrawn key stops counting in time.
 */
export function remoteJwks(jwksUri: () => Promise<URL>): JWTVerifyGetKey {
  let keySet: ReturnType<typeof createRemoteJWKSet> | undefined;
  return async (header, token) => {
    keySet ??= createRemoteJWKSet(await jwksUri(), {
      timeoutDuration: 5000,
      cooldownDuration: 30_000,
      cacheMaxAge: (KEY_WITHDRAWAL_SECONDS / 2) * 1000,
    });
    return keySet(header, token);
  };
}
