import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import {
  DeleteObjectCommand,
  GetObjectCommand,
  type GetObjectCommandOutput,
  HeadObjectCommand,
  NoSuchKey,
  NotFound,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { DependencyError } from '#lib/errors';

/** Where a media's object lives. No user text ever enters a key. */
export const mediaKey = (songId: string, mediaId: string) => `media/${songId}/${mediaId}`;

const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const MEDIA_KEY = new RegExp(`^media/(${UUID})/(${UUID})$`);

/** The song and media a key names, or null when it is not a media key. */
export function parseMediaKey(key: string): { songId: string; mediaId: string } | null {
  const match = MEDIA_KEY.exec(key);
  return match ? { songId: match[1] as string, mediaId: match[2] as string } : null;
}

export interface UploadPolicy {
  key: string;
  contentType: string;
  /** The largest object the policy lets through (the smallest is one byte). */
  maxBytes: number;
  expiresInSeconds: number;
}

export interface ObjectFacts {
  size: number;
  etag: string;
}

/**
 * The media bucket, for the catalog and the inspector: presigned uploads and downloads, and the
 * reads the inspector makes. Who may do what is decided before any of these is called.
 */
export interface MediaObjects {
  /** A presigned POST whose policy pins the key, the content type and the size range. */
  presignUpload(policy: UploadPolicy): Promise<{ url: string; fields: Record<string, string> }>;
  /** A presigned GET; with `disposition`, S3 answers with that `Content-Disposition`. */
  presignGet(key: string, expiresInSeconds: number, disposition?: string): Promise<string>;
  /** Size and ETag of the object, or null when there is none. */
  head(key: string): Promise<ObjectFacts | null>;
  /** Bytes `start` to `end` (exclusive) of the object; fewer at its end. */
  readRange(key: string, start: number, end: number): Promise<Uint8Array>;
  /** SHA-256 (hex) and length of the whole object, read as a stream; null when there is none. */
  digest(key: string): Promise<{ sha256: string; size: number } | null>;
  /** Deletes the object; deleting one that is not there is not an error. */
  remove(key: string): Promise<void>;
}

const isMissing = (error: unknown) =>
  error instanceof NoSuchKey ||
  error instanceof NotFound ||
  (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode === 404;

/** {@link MediaObjects} on an S3 bucket. */
export function s3MediaObjects(s3: S3Client, bucket: string): MediaObjects {
  const call = async <T>(what: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      throw new DependencyError(`S3 ${what} failed: ${(error as Error).message}`, { cause: error });
    }
  };
  return {
    presignUpload: (policy) =>
      call('presign upload', () =>
        createPresignedPost(s3, {
          Bucket: bucket,
          Key: policy.key,
          Fields: { 'Content-Type': policy.contentType },
          Conditions: [
            ['eq', '$key', policy.key],
            ['eq', '$Content-Type', policy.contentType],
            ['content-length-range', 1, policy.maxBytes],
          ],
          Expires: policy.expiresInSeconds,
        }),
      ),

    presignGet: (key, expiresInSeconds, disposition) =>
      call('presign get', () =>
        getSignedUrl(
          s3,
          new GetObjectCommand({
            Bucket: bucket,
            Key: key,
            ...(disposition === undefined ? {} : { ResponseContentDisposition: disposition }),
          }),
          { expiresIn: expiresInSeconds },
        ),
      ),

    head: (key) =>
      call('head', async () => {
        try {
          const head = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
          return { size: head.ContentLength ?? 0, etag: (head.ETag ?? '').replace(/"/g, '') };
        } catch (error) {
          if (isMissing(error)) return null;
          throw error;
        }
      }),

    readRange: (key, start, end) =>
      call('ranged read', async () => {
        if (end <= start) return new Uint8Array(0);
        const object = await s3.send(
          new GetObjectCommand({ Bucket: bucket, Key: key, Range: `bytes=${start}-${end - 1}` }),
        );
        return object.Body ? await object.Body.transformToByteArray() : new Uint8Array(0);
      }),

    digest: (key) =>
      call('read', async () => {
        let object: GetObjectCommandOutput;
        try {
          object = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
        } catch (error) {
          if (isMissing(error)) return null;
          throw error;
        }
        const hash = createHash('sha256');
        let size = 0;
        for await (const chunk of object.Body as Readable) {
          hash.update(chunk as Buffer);
          size += (chunk as Buffer).length;
        }
        return { sha256: hash.digest('hex'), size };
      }),

    remove: (key) =>
      call('delete', async () => {
        await s3.send(new DeleteObjectCommand({ Bucket: bucket, Key: key }));
      }),
  };
}
