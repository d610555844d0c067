import { SQSClient } from '@aws-sdk/client-sqs';
import { actorTokenVerifier } from '#lib/actor-token';
import { awsClientConfig } from '#lib/aws';
import { createDb } from '#lib/db/create';
import { createLogger } from '#lib/log';
import { type Tracer, traceRequests, xrayTracer } from '#lib/trace';
import type { PlaylistsDeps } from './app.ts';
import type { PlaylistsConfig } from './config.ts';
import { sesPitchDelivery, sqsMailRetryQueue } from './pitch-mail-aws.ts';
import { pgPitchStore } from './pitch-repo.ts';
import { createPitchesService } from './pitches.ts';
import { pgPlaylistStore } from './repo.ts';
import { createPlaylistsService } from './service.ts';

export interface PlaylistsResources extends PlaylistsDeps {
  close(): Promise<void>;
}

export function wirePlaylists(config: PlaylistsConfig, tracer: Tracer = xrayTracer()): PlaylistsResources {
  const log = traceRequests(
    createLogger({ serviceName: 'playlists', level: config.LOG_LEVEL, environment: config.STAGE }),
    tracer,
    'playlists',
  );
  const db = createDb(config, tracer, config.AWS_REGION);
  const store = pgPlaylistStore(db);
  const pitchStore = pgPitchStore(db);
  const sqs = tracer.captureClient(new SQSClient(awsClientConfig(config)));
  const mail = sesPitchDelivery(config, pitchStore, log, tracer, {
    publicBaseUrl: config.PUBLIC_BASE_URL,
    retries: sqsMailRetryQueue(sqs, config.PITCH_MAIL_QUEUE_URL, config.PITCH_MAIL_RETRY_DELAY_SECONDS),
  });
  return {
    log,
    callers: actorTokenVerifier(config.ACTOR_TOKEN_VERIFY_KEYS),
    playlists: createPlaylistsService({ store }),
    pitches: createPitchesService({
      pitches: pitchStore,
      playlists: store,
      recipientKey: config.USAGE_RECIPIENT_KEY,
      delivery: mail.delivery,
    }),
    async close() {
      mail.close();
      sqs.destroy();
      await db.close();
    },
  };
}
