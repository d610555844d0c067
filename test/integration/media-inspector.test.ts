import { randomUUID } from 'node:crypto';
import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { awsClientConfig } from '#lib/aws';
import { sql } from '#lib/db/port';
import { createLogger } from '#lib/log';
import { LOCAL_REGION } from '#scripts/local/bootstrap';
import type { MediaContentType } from '#services/catalog/contract';
import { mediaKey, s3MediaObjects } from '#services/catalog/media/objects';
import { pgMediaStore } from '#services/catalog/media/repo';
import { createMediaInspector } from '#services/catalog/media-inspector/inspector';
import {
  audioFixture,
  FIXTURE_DURATION_MS,
  postUpload,
  receiveRecords,
  sqsEvent,
  sqsRecord,
} from '../support/media.ts';
import { createSyncFixture, FIXTURE_MAX_UPLOAD_BYTES, type SyncFixture } from '../support/sync-fixture.ts';

let fx: SyncFixture;
let s3: S3Client;
/** Quiet, but what it warns of is seen: a deleted stray object must be logged. */
const log = createLogger({ serviceName: 'media-inspector', level: 'SILENT', environment: 'test' });
const warn = vi.spyOn(log, 'warn');
let inspector: ReturnType<typeof createMediaInspector>;

beforeAll(async () => {
  fx = await createSyncFixture();
  s3 = new S3Client({
    ...awsClientConfig({ AWS_REGION: LOCAL_REGION, AWS_ENDPOINT_URL: inject('awsEndpointUrl') }),
    forcePathStyle: true,
  });
  inspector = createMediaInspector({
    media: pgMediaStore(fx.db),
    objects: s3MediaObjects(s3, fx.resources.mediaBucket),
    maxUploadBytes: FIXTURE_MAX_UPLOAD_BYTES,
    log,
  });
  // Setting the notification up sent S3's test event: it is acknowledged, and nothing else happens.
  const [testEvent] = await receiveRecords(fx.sqs, fx.resources.mediaInspectorQueue, 1);
  expect(JSON.parse(testEvent?.body ?? '{}')).toMatchObject({ Event: 's3:TestEvent' });
  expect(await inspector(sqsEvent([testEvent as NonNullable<typeof testEvent>]))).toEqual({
    batchItemFailures: [],
  });
});

afterAll(async () => {
  s3?.destroy();
  await fx?.close();
});

const queue = () => fx.resources.mediaInspectorQueue;
const newSong = async () =>
  (await fx.songs.create({ title: `Media ${randomUUID()}`, artist: 'The Fixtures' })).id;
const exists = async (key: string) =>
  s3
    .send(new HeadObjectCommand({ Bucket: fx.resources.mediaBucket, Key: key }))
    .then(() => true)
    .catch(() => false);
const mediaRow = async (mediaId: string) => (await pgMediaStore(fx.db).get(mediaId)) ?? undefined;
const songRow = async (id: string) => {
  const [row] = await fx.db.query<{ hasAudio: boolean; durationMs: number | null; version: number }>(
    'SELECT has_audio AS "hasAudio", duration_ms AS "durationMs", version FROM songs WHERE id = :id',
    { id: sql.uuid(id) },
  );
  return row;
};

/** Asks for an upload, posts the bytes through the presigned POST, and inspects what S3 reported. */
async function upload(
  songId: string,
  bytes: Uint8Array,
  contentType: MediaContentType,
  declared = bytes.length,
) {
  const asked = await fx.media.requestUpload(songId, {
    fileName: 'file',
    contentType,
    sizeBytes: Math.max(1, declared),
  });
  expect(await postUpload(asked.upload, bytes)).toBeLessThan(300);
  const records = await receiveRecords(fx.sqs, queue(), 1);
  expect(records).toHaveLength(1);
  const answer = await inspector(sqsEvent(records));
  return { mediaId: asked.mediaId, key: mediaKey(songId, asked.mediaId), records, answer };
}

describe('a real file uploaded through the presigned POST becomes ready', () => {
  it.each([
    ['tone.mp3', 'audio/mpeg', 'mp3'],
    ['tone.m4a', 'audio/mp4', 'm4a'],
    ['tone.aac', 'audio/aac', 'aac'],
    ['tone.wav', 'audio/wav', 'wav'],
    ['tone.flac', 'audio/flac', 'flac'],
    ['tone.ogg', 'audio/ogg', 'ogg'],
    ['tone.opus', 'audio/opus', 'ogg'],
  ] as const)('%s', async (name, contentType, format) => {
    const songId = await newSong();
    const before = await songRow(songId);
    const { mediaId, key, answer } = await upload(songId, audioFixture(name), contentType);
    expect(answer.batchItemFailures).toEqual([]);
    const media = await mediaRow(mediaId);
    expect(media).toMatchObject({ status: 'ready', format, sizeBytes: audioFixture(name).length });
    const expected = FIXTURE_DURATION_MS[name] as number;
    expect(Math.abs((media?.durationMs ?? 0) - expected)).toBeLessThanOrEqual(expected * 0.01);
    expect(media?.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await exists(key)).toBe(true);
    // The song has audio now, and the duration it lacked; the change went to the outbox.
    const after = await songRow(songId);
    expect(after).toMatchObject({ hasAudio: true, durationMs: media?.durationMs });
    expect(after?.version).toBeGreaterThan(before?.version ?? 0);
    const [change] = await fx.db.query<{ payload: { has_audio: boolean } }>(
      `SELECT payload FROM outbox WHERE entity = 'song' AND key = :id ORDER BY id DESC LIMIT 1`,
      { id: songId },
    );
    expect(change?.payload.has_audio).toBe(true);
  });

  it('keeps a duration the song already had', async () => {
    const { id } = await fx.songs.create({
      title: `Timed ${randomUUID()}`,
      artist: 'Fixtures',
      durationMs: 200_000,
    });
    await upload(id, audioFixture('tone.mp3'), 'audio/mpeg');
    expect(await songRow(id)).toMatchObject({ hasAudio: true, durationMs: 200_000 });
  });
});

describe('a hostile upload is rejected with a reason, and its object deleted', () => {
  const cases: Array<[string, string, MediaContentType, RegExp, number?]> = [
    ['a text file named .mp3', 'text-named.mp3', 'audio/mpeg', /^The file is text, not an MP3\.$/],
    ['a WAV header with no data', 'header-only.wav', 'audio/wav', /holds no audio/],
    ['a truncated FLAC', 'truncated.flac', 'audio/flac', /ends before its audio does/],
    ['a PNG declared as audio/mpeg', 'image.png', 'audio/mpeg', /^The file is a PNG image, not an MP3\.$/],
    ['a zero-length object', 'empty.mp3', 'audio/mpeg', /^The file is empty\.$/],
    // moto does not enforce the POST policy: the inspector measures the object itself.
    ['an upload larger than declared', 'tone.wav', 'audio/wav', /larger than the 1000 bytes declared/, 1000],
  ];
  it.each(cases)('%s', async (_, name, contentType, reason, declared) => {
    const songId = await newSong();
    const { mediaId, key, answer } = await upload(songId, audioFixture(name), contentType, declared);
    expect(answer.batchItemFailures).toEqual([]);
    expect(await mediaRow(mediaId)).toMatchObject({
      status: 'rejected',
      reason: expect.stringMatching(reason),
    });
    expect(await exists(key)).toBe(false);
    expect(await songRow(songId)).toMatchObject({ hasAudio: false });
  });

  it('an object larger than the configured limit, whatever was declared', async () => {
    const songId = await newSong();
    const big = new Uint8Array(FIXTURE_MAX_UPLOAD_BYTES + 1);
    big.set(audioFixture('tone.mp3'));
    const asked = await fx.media.requestUpload(songId, {
      fileName: 'f.mp3',
      contentType: 'audio/mpeg',
      sizeBytes: 1000,
    });
    expect(await postUpload(asked.upload, big)).toBeLessThan(300);
    await inspector(sqsEvent(await receiveRecords(fx.sqs, queue(), 1)));
    expect(await mediaRow(asked.mediaId)).toMatchObject({
      status: 'rejected',
      reason: expect.stringMatching(/at most 1 MB/),
    });
    expect(await exists(mediaKey(songId, asked.mediaId))).toBe(false);
  });

  it('an upload whose song was deleted before the file was inspected', async () => {
    const songId = await newSong();
    const asked = await fx.media.requestUpload(songId, {
      fileName: 'f.mp3',
      contentType: 'audio/mpeg',
      sizeBytes: 20_000,
    });
    await fx.songs.softDelete(songId);
    expect(await postUpload(asked.upload, audioFixture('tone.mp3'))).toBeLessThan(300);
    await inspector(sqsEvent(await receiveRecords(fx.sqs, queue(), 1)));
    expect(await mediaRow(asked.mediaId)).toMatchObject({
      status: 'rejected',
      reason: expect.stringMatching(/song was removed/),
    });
    expect(await exists(mediaKey(songId, asked.mediaId))).toBe(false);
  });
});

describe('the inspector under redelivery, reordering and strays', () => {
  it('a duplicate event writes nothing more', async () => {
    const songId = await newSong();
    const { mediaId, records } = await upload(songId, audioFixture('tone.mp3'), 'audio/mpeg');
    const first = await mediaRow(mediaId);
    const song = await songRow(songId);
    const [again] = records;
    const duplicate = sqsRecord(randomUUID(), again?.body ?? '', queue().arn);
    expect(await inspector(sqsEvent([duplicate, duplicate]))).toEqual({ batchItemFailures: [] });
    expect(await mediaRow(mediaId)).toEqual(first);
    expect((await songRow(songId))?.version).toBe(song?.version);
  });

  it('an event that arrives after its media was deleted finds nothing to do', async () => {
    const songId = await newSong();
    const { mediaId, key, records } = await upload(songId, audioFixture('tone.ogg'), 'audio/ogg');
    await fx.media.remove(songId, mediaId);
    expect(await songRow(songId)).toMatchObject({ hasAudio: false });
    expect(await exists(key)).toBe(false);
    const late = sqsRecord(randomUUID(), records[0]?.body ?? '', queue().arn);
    expect(await inspector(sqsEvent([late]))).toEqual({ batchItemFailures: [] });
    expect(await mediaRow(mediaId)).toBeUndefined();
  });

  it('an object whose key matches no media is deleted and logged', async () => {
    warn.mockClear();
    const stray = mediaKey(randomUUID(), randomUUID());
    await s3.send(
      new PutObjectCommand({ Bucket: fx.resources.mediaBucket, Key: stray, Body: audioFixture('tone.mp3') }),
    );
    const other = 'media/not-a-media-key.mp3';
    await s3.send(new PutObjectCommand({ Bucket: fx.resources.mediaBucket, Key: other, Body: 'x' }));
    const records = await receiveRecords(fx.sqs, queue(), 2);
    expect(await inspector(sqsEvent(records))).toEqual({ batchItemFailures: [] });
    expect(await exists(stray)).toBe(false);
    expect(await exists(other)).toBe(false);
    expect(
      warn.mock.calls.filter(([message]) => message === 'object matches no media; deleted'),
    ).toHaveLength(2);
  });

  it('a message that is no S3 event is reported, the rest of the batch is done', async () => {
    const songId = await newSong();
    const asked = await fx.media.requestUpload(songId, {
      fileName: 'f.flac',
      contentType: 'audio/flac',
      sizeBytes: 30_000,
    });
    await postUpload(asked.upload, audioFixture('tone.flac'));
    const [record] = await receiveRecords(fx.sqs, queue(), 1);
    const junk = sqsRecord('junk', '{"hello":1}', queue().arn);
    const answer = await inspector(sqsEvent([junk, record as NonNullable<typeof record>]));
    expect(answer.batchItemFailures).toEqual([{ itemIdentifier: 'junk' }]);
    expect(await mediaRow(asked.mediaId)).toMatchObject({ status: 'ready' });
  });

  it('two uploads racing for one song both become ready; the newest plays', async () => {
    const songId = await newSong();
    const asks = await Promise.all(
      ['tone.mp3', 'tone.wav'].map(() =>
        fx.media.requestUpload(songId, { fileName: 'f', contentType: 'audio/mpeg', sizeBytes: 20_000 }),
      ),
    );
    await Promise.all(asks.map((asked) => postUpload(asked.upload, audioFixture('tone.mp3'))));
    const records = await receiveRecords(fx.sqs, queue(), 2);
    // Reordered: the second upload's event first.
    await Promise.all(records.reverse().map((record) => inspector(sqsEvent([record]))));
    const list = await fx.media.list(songId, 'all');
    expect(list.items.map((item) => item.status)).toEqual(['ready', 'ready']);
    expect(await songRow(songId)).toMatchObject({ hasAudio: true });
    const link = await fx.media.streamLink(songId);
    expect(asks.map((asked) => asked.mediaId)).toContain(link.mediaId);
  });
});

describe('links to the audio', () => {
  it('stream with Range answers 206 with the bytes asked for; download names the file', async () => {
    const { id: songId } = await fx.songs.create({
      title: `Déjà "Vu" ${randomUUID().slice(0, 4)}`,
      artist: 'AC/DC',
    });
    await upload(songId, audioFixture('tone.mp3'), 'audio/mpeg');
    const stream = await fx.media.streamLink(songId);
    const ranged = await fetch(stream.url, { headers: { range: 'bytes=0-99' } });
    expect(ranged.status).toBe(206);
    expect((await ranged.arrayBuffer()).byteLength).toBe(100);
    const download = await fx.media.downloadLink(songId);
    expect(download.fileName).toMatch(/^AC DC - Déjà Vu [0-9a-f]{4}\.mp3$/);
    const saved = await fetch(download.url);
    expect(saved.status).toBe(200);
    expect(saved.headers.get('content-disposition')).toContain(
      `filename*=UTF-8''AC%20DC%20-%20D%C3%A9j%C3%A0%20Vu`,
    );
    expect(new Uint8Array(await saved.arrayBuffer())).toEqual(audioFixture('tone.mp3'));
  });

  it('a song without ready audio has no link', async () => {
    const songId = await newSong();
    await expect(fx.media.streamLink(songId)).rejects.toThrow('no playable audio');
    await expect(fx.media.downloadLink(randomUUID())).rejects.toThrow('No song');
  });

  it('an upload for a deleted song is refused and writes nothing', async () => {
    const songId = await newSong();
    await fx.songs.softDelete(songId);
    await expect(
      fx.media.requestUpload(songId, { fileName: 'f.mp3', contentType: 'audio/mpeg', sizeBytes: 100 }),
    ).rejects.toThrow('No song');
    const [{ n } = { n: -1 }] = await fx.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM media WHERE song_id = :id',
      { id: sql.uuid(songId) },
    );
    expect(n).toBe(0);
  });
});
