import { createDb } from '#lib/db/create';
import { createLogger } from '#lib/log';
import { type Tracer, traceQueueConsumer, xrayTracer } from '#lib/trace';
import { s3MediaObjects } from '../media/objects.ts';
import { pgMediaStore } from '../media/repo.ts';
import { mediaS3Client } from '../media/s3.ts';
import type { MediaInspectorConfig } from './config.ts';
import { createMediaInspector } from './inspector.ts';

/** What the media-inspector function runs: the media rows and the bucket, nothing of the catalog's API. */
export function wireMediaInspector(config: MediaInspectorConfig, tracer: Tracer = xrayTracer()) {
  const log = createLogger({
    serviceName: 'media-inspector',
    level: config.LOG_LEVEL,
    environment: config.STAGE,
  });
  const db = createDb(config, tracer, config.AWS_REGION);
  const s3 = mediaS3Client(config, tracer);
  const deps = {
    media: pgMediaStore(db),
    objects: s3MediaObjects(s3, config.MEDIA_BUCKET),
    maxUploadBytes: config.MEDIA_MAX_UPLOAD_BYTES,
    log,
  };
  return {
    ...deps,
    // S3 notifications carry no trace: on Lambda its GetObject calls hang under the invocation's segment.
    handle: traceQueueConsumer(tracer, 'media-inspector', createMediaInspector(deps)),
    async close() {
      s3.destroy();
      await db.close();
    },
  };
}
