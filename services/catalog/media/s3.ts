import { S3Client } from '@aws-sdk/client-s3';
import { type AwsClientSettings, awsClientConfig } from '#lib/aws';
import type { Tracer } from '#lib/trace';

/**
 * The S3 client for the media bucket. An emulator (moto) is reached by path (`<endpoint>/<bucket>`),
 * since its host names no bucket; presigned URLs then point at the emulator too.
 */
export function mediaS3Client(settings: AwsClientSettings, tracer: Tracer): S3Client {
  return tracer.captureClient(
    new S3Client({ ...awsClientConfig(settings), forcePathStyle: settings.AWS_ENDPOINT_URL !== undefined }),
  );
}
