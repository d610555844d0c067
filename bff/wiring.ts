import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { Redis } from 'ioredis';
import { actorTokenSigner } from '#lib/actor-token';
import { awsClientConfig } from '#lib/aws';
import { createDb } from '#lib/db/create';
import { createLogger } from '#lib/log';
import { type Tracer, traceRequests, xrayTracer } from '#lib/trace';
import { captureRedis } from '#lib/trace-capture';
import { redisRateLimiter } from './abuse/rate-limit.ts';
import { jwtBearerVerifier, remoteJwks } from './auth/bearer.ts';
import { redisKeyValueStore } from './auth/kv.ts';
import { SESSION_RETRY_AFTER_SECONDS } from './auth/middleware.ts';
import { openidClient } from './auth/oidc.ts';
import { aesGcmSealer } from './auth/sealed.ts';
import { createPendingLoginStore, createSessionStore } from './auth/sessions.ts';
import { noCache } from './cache/port.ts';
import { redisCache } from './cache/redis-cache.ts';
import { catalogClient } from './clients/catalog.ts';
import { performancesClient } from './clients/performances.ts';
import { pitchesClient, playlistsClient } from './clients/playlists.ts';
import { rotationsClient } from './clients/rotations.ts';
import { httpServiceClient } from './clients/service-client.ts';
import { sigV4Signer } from './clients/signer.ts';
import { singersClient } from './clients/singers.ts';
import { type BffConfig, decodedKey } from './config.ts';
import type { BffDeps } from './env.ts';
import { elasticsearchProbe, postgresProbe, queuesProbe, redisProbe } from './health/probes.ts';
import { redisUnlockAttempts } from './pitch/unlock.ts';
import { batchingUsagePublisher, noUsage } from './usage/publisher.ts';
import { SNS_SINK_BATCH, snsUsageSink } from './usage/sns-sink.ts';

export interface BffResources extends BffDeps {
  /** Closes every connection the BFF opened (local stack shutdown, tests). */
  close(): Promise<void>;
}

/** Builds the BFF's adapters from validated config: the one place concrete clients are chosen. */
export function wireBff(config: BffConfig, tracer: Tracer = xrayTracer()): BffResources {
  const log = traceRequests(
    createLogger({ serviceName: 'bff', level: config.LOG_LEVEL, environment: config.STAGE }),
    tracer,
    'bff',
  );
  const db = createDb(config, tracer, config.AWS_REGION);
  const redis = captureRedis(
    new Redis(config.REDIS_URL, {
      lazyConnect: false,
      maxRetriesPerRequest: 1,
      enableOfflineQueue: false,
      connectTimeout: 2000,
      // Commands issued in the same tick by concurrent requests go out in one write.
      enableAutoPipelining: true,
      // Keep retrying in the background so the BFF recovers by itself when Redis returns.
      retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
    }),
    tracer,
  );
  redis.on('error', (error: Error) =>
    log.debug('redis connection error', { 'error.message': error.message }),
  );
  const sqs = tracer.captureClient(new SQSClient(awsClientConfig(config)));
  // One attempt per send: the usage publisher retries each batch with its own backoff, and the
  // SDK's three attempts under each of its four would make a failing topic cost twelve sends a batch.
  const sns = tracer.captureClient(new SNSClient({ ...awsClientConfig(config), maxAttempts: 1 }));
  const usage =
    config.USAGE_EVENTS === 'off'
      ? noUsage
      : batchingUsagePublisher(snsUsageSink(sns, config.USAGE_TOPIC_ARN), {
          batchSize: SNS_SINK_BATCH,
          maxDelayMs: 1000,
          attempts: 4,
          maxQueued: 10_000,
          onDrop: (count, error) =>
            log.warn('usage events dropped', { 'event.count': count, 'error.message': String(error) }),
        });
  const oidc = openidClient({
    issuer: config.OIDC_ISSUER,
    clientId: config.OIDC_CLIENT_ID,
    clientSecret: config.OIDC_CLIENT_SECRET,
    redirectUri: `${config.PUBLIC_BASE_URL}/auth/callback`,
    allowHttp: config.STAGE === 'local',
    ...(config.OIDC_LOGOUT_URL ? { cognitoLogoutUrl: config.OIDC_LOGOUT_URL } : {}),
  });
  const kv = redisKeyValueStore(redis, {
    log,
    timeoutMs: config.SESSION_STORE_TIMEOUT_MS,
    retryAfterMs: SESSION_RETRY_AFTER_SECONDS * 1000,
  });
  const sign = config.SERVICE_AUTH === 'iam' ? sigV4Signer(config.AWS_REGION) : undefined;
  const actorTokens = actorTokenSigner(config.ACTOR_TOKEN_SIGNING_KEY);
  const serviceClient = (name: string) =>
    httpServiceClient({
      name,
      baseUrl: config.SERVICES_BASE_URL,
      timeoutMs: config.SERVICE_TIMEOUT_MS,
      retries: 2,
      tracer,
      actorTokens,
      ...(sign ? { sign } : {}),
    });
  return {
    config,
    log,
    probes: {
      postgres: postgresProbe(db),
      redis: redisProbe(redis),
      elasticsearch: elasticsearchProbe(config),
      queues: queuesProbe(sqs, config.MONITORED_QUEUE_URLS),
    },
    auth: {
      sessions: createSessionStore(kv, aesGcmSealer(decodedKey(config.SESSION_ENCRYPTION_KEY)), {
        idleSeconds: config.SESSION_IDLE_SECONDS,
        absoluteSeconds: config.SESSION_ABSOLUTE_SECONDS,
      }),
      pendingLogins: createPendingLoginStore(kv),
      oidc,
      bearer: jwtBearerVerifier({
        issuer: config.OIDC_ISSUER,
        audience: config.OIDC_AUDIENCE,
        keys: remoteJwks(() => oidc.jwksUri()),
      }),
    },
    catalog: catalogClient(serviceClient('catalog')),
    singers: singersClient(serviceClient('singers')),
    rotations: rotationsClient(serviceClient('rotations')),
    performances: performancesClient(serviceClient('performances')),
    playlists: playlistsClient(serviceClient('playlists')),
    pitches: pitchesClient(serviceClient('playlists')),
    cache:
      config.READ_CACHE === 'on'
        ? redisCache(redis, {
            log,
            timeoutMs: config.CACHE_TIMEOUT_MS,
            generationTtlMs: config.CACHE_GENERATION_TTL_MS,
          })
        : noCache(),
    rateLimiter: redisRateLimiter(redis, { log, timeoutMs: config.CACHE_TIMEOUT_MS }),
    pitchUnlocks: redisUnlockAttempts(redis, { log, timeoutMs: config.CACHE_TIMEOUT_MS }),
    usage,
    async close() {
      await usage.flush();
      redis.disconnect();
      sqs.destroy();
      sns.destroy();
      await db.close();
    },
  };
}
