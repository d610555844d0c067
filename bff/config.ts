import { z } from 'zod';
import { actorTokenSigningConfig } from '#lib/actor-token';
import { awsConfig, configFields, dbConfig, type Env, logConfig, parseConfig } from '#lib/config';
import { pitchPageSettings } from './pitch/config.ts';
import { usageSettings } from './usage/config.ts';

const { commaSeparated } = configFields;

const bffSettings = z.object({
  REDIS_URL: configFields.url('Redis URL, e.g. redis://127.0.0.1:6379'),
  ELASTICSEARCH_URL: configFields.url('Elasticsearch 8.x URL, e.g. http://127.0.0.1:9200'),
  ELASTICSEARCH_API_KEY: z.string().min(1).optional(),
  /** SQS queues whose reachability `GET /api/health` reports as `queues`. */
  MONITORED_QUEUE_URLS: configFields
    .required('comma-separated SQS queue URLs checked by /api/health')
    .transform(commaSeparated),
  /** Milliseconds each dependency probe of the health route may take. */
  HEALTH_PROBE_TIMEOUT_MS: z.coerce.number().int().positive().default(1500),
  /**
   * How long one check answers every caller but an admin: anonymous requests cannot make the BFF
   * probe its dependencies more often than this (0: every request checks).
   */
  HEALTH_CACHE_MS: z.coerce.number().int().min(0).default(5000),
  /** Base URL of the services' internal routes (the shared HTTP API on AWS, the local server locally). */
  SERVICES_BASE_URL: configFields.url(
    'base URL of the internal service routes, e.g. https://<api id>.execute-api.<region>.amazonaws.com',
  ),
  /** `iam`: SigV4-sign calls to the services (AWS); `none`: plain HTTP (the local stack only). */
  SERVICE_AUTH: z.enum(['iam', 'none'], { error: "SERVICE_AUTH: 'iam' on AWS, 'none' for the local stack" }),
  /** Milliseconds one attempt of a service call may take. */
  SERVICE_TIMEOUT_MS: z.coerce.number().int().positive().default(3000),
  /** Milliseconds `GET /api/me` waits for each of its parts before answering it as unavailable. */
  ME_PART_TIMEOUT_MS: z.coerce.number().int().positive().default(2000),
  /** `off` serves every read from the services (`X-Cache: bypass`); for measuring the cache's worth. */
  READ_CACHE: z.enum(['on', 'off'], { error: "READ_CACHE: 'on' or 'off'" }).default('on'),
  /** Milliseconds a read-cache or rate-limit command may take before the BFF carries on without Redis. */
  CACHE_TIMEOUT_MS: z.coerce.number().int().positive().default(75),
  /**
   * Milliseconds a BFF process reuses the cache-tag generations it read: an invalidation from
   * elsewhere (the cache-invalidator, another instance) reaches its reads within this; 0: never reuse.
   */
  CACHE_GENERATION_TTL_MS: z.coerce.number().int().min(0).max(5000).default(250),
  /** Requests per minute from one client address without credentials (IPv6: per /64). */
  RATE_LIMIT_ANONYMOUS_PER_MINUTE: z.coerce.number().int().positive().default(120),
  /** Requests per minute of one signed-in user. */
  RATE_LIMIT_USER_PER_MINUTE: z.coerce.number().int().positive().default(600),
  /** Answers of 401 or 403 per minute per client address before it is refused outright (429). */
  RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().positive().default(30),
});

const origin = z.string().refine((value) => URL.canParse(value) && new URL(value).origin === value, {
  error: 'each entry must be an origin such as https://app.example.com (scheme, host, port; no path)',
});

const authSettings = z.object({
  /** The Cognito user pool issuer on AWS; the local OpenID provider locally. */
  OIDC_ISSUER: configFields
    .url('OpenID issuer, e.g. https://cognito-idp.eu-west-1.amazonaws.com/<pool id>')
    .transform((value) => value.replace(/\/+$/, '')),
  OIDC_CLIENT_ID: configFields.required('OAuth client id of the BFF at the issuer'),
  OIDC_CLIENT_SECRET: configFields.required('OAuth client secret of the BFF at the issuer'),
  /**
   * Who Bearer access tokens must be meant for: their `aud` claim. Cognito access tokens carry no
   * `aud`; for them this is the app client id, compared with their `client_id` claim.
   */
  OIDC_AUDIENCE: configFields.required("audience of Bearer access tokens, e.g. 'karaoke-api'"),
  /** Where browsers reach the BFF; the OAuth redirect URI and the CSRF check derive from it. */
  PUBLIC_BASE_URL: configFields
    .url('public URL of the BFF, e.g. https://api.karaoke.example')
    .transform((value) => value.replace(/\/+$/, '')),
  /** A session unused for this long ends (every request slides it). */
  SESSION_IDLE_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .default(30 * 60),
  /** A session ends this long after sign-in, however active. */
  SESSION_ABSOLUTE_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .default(12 * 60 * 60),
  /**
   * 32 random bytes, base64 or base64url: the AES-256-GCM key that seals the provider tokens a
   * session keeps in Redis (refresh token, ID token hint). Changing it ends every session.
   */
  SESSION_ENCRYPTION_KEY: configFields
    .required('32 random bytes, base64: openssl rand -base64 32')
    .refine((value) => /^[A-Za-z0-9+/_-]{43}=?$/.test(value) && decodedKey(value).length === 32, {
      error: 'must be 32 random bytes, base64 or base64url encoded (openssl rand -base64 32)',
    }),
  /** Milliseconds one session-store command may take before the request counts it as unavailable. */
  SESSION_STORE_TIMEOUT_MS: z.coerce.number().int().positive().default(500),
  /** The longest a session's roles are used before they are read again from the identity provider. */
  SESSION_ROLES_MAX_AGE_SECONDS: z.coerce
    .number()
    .int()
    .positive()
    .default(15 * 60),
  /**
   * Cognito's hosted-UI sign-out endpoint (`https://<domain>.auth.<region>.amazoncognito.com/logout`),
   * which Cognito's discovery document does not name. Unset: the issuer's `end_session_endpoint`
   * (RP-initiated logout), as the local provider publishes it.
   */
  OIDC_LOGOUT_URL: configFields
    .url('Cognito sign-out endpoint, e.g. https://<domain>.auth.<region>.amazoncognito.com/logout')
    .optional(),
  /** Front-end origins (besides PUBLIC_BASE_URL) allowed to call with the session cookie. */
  CORS_ORIGINS: z.string().optional().transform(commaSeparated).pipe(z.array(origin)),
});

/** The session encryption key's bytes (base64 and base64url both decode here). */
export const decodedKey = (value: string) => Buffer.from(value, 'base64url');

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

const bffConfigSchema = logConfig
  .and(awsConfig)
  .and(actorTokenSigningConfig)
  .and(bffSettings)
  .and(authSettings)
  .and(usageSettings)
  .and(pitchPageSettings)
  .and(dbConfig)
  .superRefine((config, context) => {
    // Plain HTTP is for the local provider on loopback only; anywhere else tokens and cookies would
    // cross the network in the clear.
    if (config.STAGE === 'local') return;
    for (const variable of ['OIDC_ISSUER', 'PUBLIC_BASE_URL'] as const) {
      if (!config[variable].startsWith('https://')) {
        context.addIssue({
          code: 'custom',
          path: [variable],
          message: 'must be an https URL outside STAGE=local',
        });
      }
    }
  })
  .refine(
    (config) =>
      config.PUBLIC_BASE_URL.startsWith('https://') ||
      LOOPBACK_HOSTS.has(new URL(config.PUBLIC_BASE_URL).hostname),
    {
      path: ['PUBLIC_BASE_URL'],
      // The session cookie is `__Host-` and Secure: browsers keep such a cookie from plain http
      // only on a loopback host.
      error: 'plain http only on a loopback host (127.0.0.1, localhost, [::1])',
    },
  )
  .refine((config) => config.SESSION_ABSOLUTE_SECONDS >= config.SESSION_IDLE_SECONDS, {
    path: ['SESSION_ABSOLUTE_SECONDS'],
    error: 'must be at least SESSION_IDLE_SECONDS',
  });

export type BffConfig = z.infer<typeof bffConfigSchema>;

export function loadBffConfig(env: Env): BffConfig {
  return parseConfig('bff', bffConfigSchema, env);
}
