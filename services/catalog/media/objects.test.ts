import { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { mediaKey, parseMediaKey, s3MediaObjects } from './objects.ts';

const songId = '0b7f2a63-58f2-4c57-9d4e-2d8d5b7c2f10';
const mediaId = '6f1c9d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f';
// Presigning is local signing: no request leaves the process.
const s3 = new S3Client({
  region: 'eu-west-1',
  credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' },
});
const objects = s3MediaObjects(s3, 'karaoke-media');

describe('media keys', () => {
  it('name the song and the media, and nothing a user typed', () => {
    expect(mediaKey(songId, mediaId)).toBe(`media/${songId}/${mediaId}`);
    expect(parseMediaKey(mediaKey(songId, mediaId))).toEqual({ songId, mediaId });
  });

  it('are refused when they are anything else', () => {
    expect(parseMediaKey(`media/${songId}/${mediaId}/../x`)).toBeNull();
    expect(parseMediaKey(`other/${songId}/${mediaId}`)).toBeNull();
    expect(parseMediaKey(`media/${songId}`)).toBeNull();
  });
});

describe('the presigned POST', () => {
  it('pins the key, the content type and the size range in its policy, and expires', async () => {
    const before = Date.now();
    const upload = await objects.presignUpload({
      key: mediaKey(songId, mediaId),
      contentType: 'audio/mpeg',
      maxBytes: 5_000_000,
      expiresInSeconds: 900,
    });
    expect(upload.fields).toMatchObject({ key: mediaKey(songId, mediaId), 'Content-Type': 'audio/mpeg' });
    const policy = JSON.parse(Buffer.from(upload.fields.Policy ?? '', 'base64').toString('utf8')) as {
      expiration: string;
      conditions: unknown[];
    };
    expect(policy.conditions).toContainEqual(['eq', '$key', mediaKey(songId, mediaId)]);
    expect(policy.conditions).toContainEqual(['eq', '$Content-Type', 'audio/mpeg']);
    expect(policy.conditions).toContainEqual(['content-length-range', 1, 5_000_000]);
    expect(policy.conditions).toContainEqual({ bucket: 'karaoke-media' });
    const expires = Date.parse(policy.expiration) - before;
    expect(expires).toBeGreaterThan(899_000);
    expect(expires).toBeLessThanOrEqual(901_000);
  });
});

describe('presigned GETs', () => {
  it('live as long as asked, and a download names its file', async () => {
    const url = new URL(
      await objects.presignGet(mediaKey(songId, mediaId), 300, 'attachment; filename="A - B.mp3"'),
    );
    expect(url.searchParams.get('X-Amz-Expires')).toBe('300');
    expect(url.searchParams.get('response-content-disposition')).toBe('attachment; filename="A - B.mp3"');
    const stream = new URL(await objects.presignGet(mediaKey(songId, mediaId), 300));
    expect(stream.searchParams.has('response-content-disposition')).toBe(false);
  });
});
