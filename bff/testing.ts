import { createLogger } from '#lib/log';
import { memoryRateLimiter } from './abuse/rate-limit.ts';
import type { AuthDeps } from './auth/middleware.ts';
import { noCache } from './cache/port.ts';
import { memoryCatalog, memorySingers, quietNights } from './clients/testing.ts';
import type { BffConfig } from './config.ts';
import type { BffDeps } from './env.ts';
import type { Probes } from './health/probes.ts';
import { noUsage } from './usage/publisher.ts';

/** The settings in-process BFF tests build `createApp` with; each test overrides what it is about. */
export const testConfig = {
  STAGE: 'test',
  LOG_LEVEL: 'SILENT',
  HEALTH_PROBE_TIMEOUT_MS: 100,
  PUBLIC_BASE_URL: 'http://bff.test',
  OIDC_ISSUER: 'http://idp.test/oidc',
  CORS_ORIGINS: ['http://app.test'],
  SESSION_IDLE_SECONDS: 1800,
  SESSION_ABSOLUTE_SECONDS: 43_200,
  SESSION_ENCRYPTION_KEY: Buffer.alloc(32, 7).toString('base64url'),
  SESSION_STORE_TIMEOUT_MS: 200,
  SESSION_ROLES_MAX_AGE_SECONDS: 900,
  ME_PART_TIMEOUT_MS: 1000,
  RATE_LIMIT_ANONYMOUS_PER_MINUTE: 1000,
  RATE_LIMIT_USER_PER_MINUTE: 1000,
  RATE_LIMIT_AUTH_FAILURES_PER_MINUTE: 1000,
  USAGE_FLUSH: 'background',
} as BffConfig;

export const silentLog = createLogger({ serviceName: 'bff', level: 'SILENT', environment: 'test' });

const up = async () => {};
/** Every dependency answering its health probe. */
export const probesUp: Probes = { postgres: up, redis: up, elasticsearch: up, queues: up };

/**
 * Every dependency of the BFF in memory (no Redis, no services), as in-process tests build
 * `createApp` with: an in-memory catalog and singers, the other services refusing any call, no read
 * cache, no usage events. `overrides` replace what a test is about.
 */
export function memoryBffDeps(auth: AuthDeps, overrides: Partial<BffDeps> = {}): BffDeps {
  return {
    config: testConfig,
    log: silentLog,
    probes: probesUp,
    auth,
    catalog: memoryCatalog(),
    singers: memorySingers(),
    ...quietNights(),
    cache: noCache(),
    rateLimiter: memoryRateLimiter(),
    usage: noUsage,
    ...overrides,
  };
}
