import {
  DeleteObjectsCommand,
  GetObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { DependencyError } from '#lib/errors';

export interface LakeObject {
  key: string;
  size: number;
  lastModified: Date;
}

/** The lake bucket, as the archiver, compaction and the local metrics command use it. */
export interface LakeStore {
  /** Writes (or overwrites) one object whole: readers see the old file or the new one, never a part. */
  put(key: string, body: Uint8Array): Promise<void>;
  get(key: string): Promise<Uint8Array>;
  list(prefix: string): Promise<LakeObject[]>;
  remove(keys: readonly string[]): Promise<void>;
}

const failed = (what: string) => (error: unknown) => {
  throw new DependencyError(`lake bucket: ${what} failed`, { cause: error });
};

export function s3LakeStore(s3: S3Client, bucket: string): LakeStore {
  return {
    async put(key, body) {
      await s3
        .send(
          new PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: body,
            ContentType: 'application/vnd.apache.parquet',
          }),
        )
        .catch(failed(`put ${key}`));
    },
    async get(key) {
      const answer = await s3
        .send(new GetObjectCommand({ Bucket: bucket, Key: key }))
        .catch(failed(`get ${key}`));
      if (!answer.Body) throw new DependencyError(`lake bucket: ${key} has no body`);
      return answer.Body.transformToByteArray();
    },
    async list(prefix) {
      const objects: LakeObject[] = [];
      let token: string | undefined;
      do {
        const page = await s3
          .send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token }))
          .catch(failed(`list ${prefix}`));
        for (const item of page.Contents ?? []) {
          if (item.Key) {
            objects.push({
              key: item.Key,
              size: item.Size ?? 0,
              lastModified: item.LastModified ?? new Date(0),
            });
          }
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return objects;
    },
    async remove(keys) {
      for (let start = 0; start < keys.length; start += 1000) {
        await s3
          .send(
            new DeleteObjectsCommand({
              Bucket: bucket,
              Delete: { Objects: keys.slice(start, start + 1000).map((Key) => ({ Key })), Quiet: true },
            }),
          )
          .catch(failed('delete'));
      }
    },
  };
}
