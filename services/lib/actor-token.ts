import { createHash, createPublicKey } from 'node:crypto';
import { importPKCS8, importSPKI, errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';
import type { Actor } from './actor.ts';
import { configFields } from './config.ts';
import { UnauthorizedError } from './errors.ts';

/**
 * Actor tokens: how a service knows a call comes from the BFF, and for whom.
 *
 * The BFF signs one short-lived JWT per service call (ES256): `iss` the BFF, `aud` the service
 * called, `sub` the user it acts for (absent for an anonymous read), `roles` that user's roles,
 * `exp` {@link ACTOR_TOKEN_LIFETIME_SECONDS} after `iat`. Services hold only the public keys, so a
 * service that is compromised cannot forge calls to its neighbours, and a token taken from one
 * call is refused by every other service (audience) and within seconds by its own (expiry).
 */
export const ACTOR_TOKEN_ISSUER = 'karaoke-suite-bff';
/** Long enough for a call's attempts and their backoff (3 × SERVICE_TIMEOUT_MS), short enough to be worthless once leaked. */
export const ACTOR_TOKEN_LIFETIME_SECONDS = 30;
/** Clock difference tolerated between the BFF's Lambda and a service's. */
export const ACTOR_TOKEN_CLOCK_SKEW_SECONDS = 5;
/** The header the token travels in: the HTTP API's own `Authorization` is SigV4's on AWS. */
export const ACTOR_TOKEN_HEADER = 'x-actor-token';

const ALG = 'ES256';
const ROLE = /^[a-z][a-z0-9-]{0,30}$/;

/** Settings of the BFF: the private key it signs with (PKCS#8 PEM, EC P-256). */
export const actorTokenSigningConfig = z.object({
  ACTOR_TOKEN_SIGNING_KEY: configFields
    .required('PKCS#8 PEM of the EC P-256 key the BFF signs actor tokens with')
    .refine((value) => value.includes('-----BEGIN PRIVATE KEY-----'), 'must be a PKCS#8 PEM private key'),
});

/** Settings of a service: the public keys it accepts actor tokens from (SPKI PEMs, one after the other). */
export const actorTokenVerifyConfig = z.object({
  ACTOR_TOKEN_VERIFY_KEYS: configFields
    .required('SPKI PEM public key(s) of the BFF, one after the other (two while a key is rotated)')
    .transform(splitPems)
    .refine((pems) => pems.length > 0, 'must hold at least one PEM public key'),
});

function splitPems(value: string): string[] {
  // Environment values may carry the newlines of a PEM as "\n".
  const text = value.replace(/\\n/g, '\n');
  return [...text.matchAll(/-----BEGIN PUBLIC KEY-----[\s\S]+?-----END PUBLIC KEY-----/g)].map(
    ([pem]) => pem,
  );
}

/** The key id of a public key: its SPKI's SHA-256, so signer and verifier agree without configuring it. */
export function actorKeyId(publicPem: string): string {
  const der = createPublicKey(publicPem).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('base64url').slice(0, 16);
}

export interface ActorTokenSigner {
  /** A token for one call to `audience`, made for `actor` (none: the BFF on nobody's behalf). */
  sign(audience: string, actor?: Actor): Promise<string>;
}

/** Signs actor tokens; the key is imported once, at the first call, and reused. */
export function actorTokenSigner(privatePem: string, now: () => number = Date.now): ActorTokenSigner {
  const publicPem = createPublicKey(privatePem).export({ type: 'spki', format: 'pem' }).toString();
  const kid = actorKeyId(publicPem);
  let key: ReturnType<typeof importPKCS8> | undefined;
  return {
    async sign(audience, actor) {
      key ??= importPKCS8(privatePem, ALG);
      const issuedAt = Math.floor(now() / 1000);
      const jwt = new SignJWT(actor ? { roles: [...actor.roles] } : {})
        .setProtectedHeader({ alg: ALG, kid, typ: 'actor+jwt' })
        .setIssuer(ACTOR_TOKEN_ISSUER)
        .setAudience(audience)
        .setIssuedAt(issuedAt)
        .setExpirationTime(issuedAt + ACTOR_TOKEN_LIFETIME_SECONDS);
      if (actor) jwt.setSubject(actor.id);
      return jwt.sign(await key);
    },
  };
}

/** Who a verified token says made the call. */
export interface VerifiedCaller {
  /** The user the BFF acts for; undefined for a call on nobody's behalf. */
  actor: Actor | undefined;
}

export interface ActorTokenVerifier {
  /** The caller of a token meant for `audience`; an {@link UnauthorizedError} for anything else. */
  verify(token: string | undefined, audience: string): Promise<VerifiedCaller>;
}

const refused = (reason: string, cause?: unknown) =>
  new UnauthorizedError(`This call carries no valid actor token (${reason}).`, { cause });

const Claims = z.object({
  sub: z.uuid().optional(),
  roles: z.array(z.string().regex(ROLE)).max(20).optional(),
  iat: z.number(),
  exp: z.number(),
});

/** Verifies actor tokens against the configured public keys (imported once each, by key id). */
export function actorTokenVerifier(
  publicPems: readonly string[],
  now: () => number = Date.now,
): ActorTokenVerifier {
  const pems = new Map(publicPems.map((pem) => [actorKeyId(pem), pem]));
  const keys = new Map<string, ReturnType<typeof importSPKI>>();
  const keyFor = (kid: unknown) => {
    const pem = typeof kid === 'string' ? pems.get(kid) : undefined;
    if (!pem || typeof kid !== 'string') throw refused('unknown key');
    let key = keys.get(kid);
    if (!key) {
      key = importSPKI(pem, ALG);
      keys.set(kid, key);
    }
    return key;
  };
  return {
    async verify(token, audience) {
      if (!token) throw refused('none sent');
      let payload: unknown;
      try {
        ({ payload } = await jwtVerify(token, (header) => keyFor(header.kid), {
          algorithms: [ALG],
          issuer: ACTOR_TOKEN_ISSUER,
          audience,
          requiredClaims: ['iat', 'exp'],
          clockTolerance: ACTOR_TOKEN_CLOCK_SKEW_SECONDS,
          currentDate: new Date(now()),
        }));
      } catch (error) {
        if (error instanceof UnauthorizedError) throw error;
        throw refused(error instanceof joseErrors.JOSEError ? error.code : 'malformed', error);
      }
      const claims = Claims.safeParse(payload);
      if (!claims.success) throw refused('claims of the wrong shape');
      const { sub, roles, iat, exp } = claims.data;
      // A token the BFF would never sign: one that lives longer than a call, or comes from the future.
      const nowSeconds = now() / 1000;
      if (exp - iat > ACTOR_TOKEN_LIFETIME_SECONDS || iat > nowSeconds + ACTOR_TOKEN_CLOCK_SKEW_SECONDS) {
        throw refused('lifetime beyond what the BFF signs');
      }
      return { actor: sub === undefined ? undefined : { id: sub, roles: roles ?? [] } };
    },
  };
}
