import { HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { awsClientConfig } from '#lib/aws';
import { type LocalServer, startLocalServer } from '#scripts/local/server';
import { startLocalSync } from '#scripts/local/sync';
import { issueLocalAccessToken } from '#scripts/token';
import { bffApi } from '../support/bff-api.ts';
import { freePort } from '../support/child.ts';
import { audioFixture, FIXTURE_DURATION_MS, postUpload } from '../support/media.ts';
import { eventually } from '../support/sync-fixture.ts';

interface MediaItem {
  mediaId: string;
  status: string;
  reason?: string;
  format: string | null;
  durationMs: number | null;
  sizeBytes: number;
}

describe('media over HTTP: a curator uploads a library, everyone signed in plays it', () => {
  let server: LocalServer;
  let sync: { stop(): Promise<void> };
  let s3: S3Client;
  const tokens: Record<string, string> = {};
  const env = () => inject('localEnv');

  beforeAll(async () => {
    server = await startLocalServer(env(), await freePort());
    sync = await startLocalSync({ env: env() });
    for (const user of ['curator', 'singer1', 'admin']) {
      tokens[user] = await issueLocalAccessToken(server.oidcIssuer, user);
    }
    s3 = new S3Client({
      ...awsClientConfig({ AWS_REGION: env().AWS_REGION ?? '', AWS_ENDPOINT_URL: env().AWS_ENDPOINT_URL }),
      forcePathStyle: true,
    });
  });

  afterAll(async () => {
    s3?.destroy();
    await sync?.stop();
    await server?.close();
  });

  const { api, post } = bffApi(
    () => server.url,
    (user) => tokens[user],
  );

  const newSong = async (title: string, artist = 'The Fixtures') => {
    const created = await post('/songs', 'curator', { title: `${title} ${Date.now()}`, artist });
    expect(created.status).toBe(201);
    return (await created.json()) as { id: string; title: string };
  };

  const mediaOf = async (songId: string, user?: string) =>
    ((await (await api(`/songs/${songId}/media`, user)).json()) as { items: MediaItem[] }).items;

  /** Uploads a file as a curator would, and waits for the inspector's verdict. */
  async function uploadAndWait(songId: string, name: string, contentType: string, fileName = name) {
    const bytes = audioFixture(name);
    const asked = await post(`/songs/${songId}/media/uploads`, 'curator', {
      fileName,
      contentType,
      sizeBytes: bytes.length,
    });
    expect(asked.status, await asked.clone().text()).toBe(201);
    expect(asked.headers.get('cache-control')).toBe('no-store');
    const { mediaId, upload } = (await asked.json()) as {
      mediaId: string;
      upload: { url: string; fields: Record<string, string> };
    };
    expect(await postUpload(upload, bytes, fileName)).toBeLessThan(300);
    return eventually(async () => {
      const item = (await mediaOf(songId, 'curator')).find((media) => media.mediaId === mediaId);
      expect(item?.status).not.toBe('pending');
      return item as MediaItem;
    }, 20_000);
  }

  it('an MP3 and a WAV become ready with their format and duration; the song has audio', async () => {
    const song = await newSong('Media Night');
    for (const [name, type, format] of [
      ['tone.mp3', 'audio/mpeg', 'mp3'],
      ['tone.wav', 'audio/wav', 'wav'],
    ] as const) {
      const media = await uploadAndWait(song.id, name, type);
      expect(media).toMatchObject({ status: 'ready', format, sizeBytes: audioFixture(name).length });
      const expected = FIXTURE_DURATION_MS[name] as number;
      expect(Math.abs((media.durationMs ?? 0) - expected)).toBeLessThanOrEqual(expected * 0.01);
    }
    const read = (await (await api(`/songs/${song.id}`)).json()) as { hasAudio: boolean; durationMs: number };
    expect(read.hasAudio).toBe(true);
    await eventually(async () => {
      const found = (await (
        await api(`/songs/search?q=${encodeURIComponent(song.title)}&hasAudio=true`)
      ).json()) as {
        items: Array<{ id: string; hasAudio: boolean }>;
      };
      expect(found.items.map((item) => item.id)).toContain(song.id);
    }, 15_000);
  });

  it('streams with Range (206, 100 bytes) and downloads under a clean file name; no link is cached', async () => {
    const song = await newSong('Déjà "Vu"/Remix', 'AC/DC');
    await uploadAndWait(song.id, 'tone.mp3', 'audio/mpeg');

    const stream = await api(`/songs/${song.id}/media/stream`, 'singer1');
    expect(stream.status).toBe(302);
    expect(stream.headers.get('cache-control')).toBe('no-store');
    const location = stream.headers.get('location') ?? '';
    expect(new URL(location).searchParams.get('X-Amz-Expires')).toBe('300');
    const ranged = await fetch(location, { headers: { range: 'bytes=0-99' } });
    expect(ranged.status).toBe(206);
    expect((await ranged.arrayBuffer()).byteLength).toBe(100);
    // Asked again, a new link: nothing was kept.
    const again = await api(`/songs/${song.id}/media/stream`, 'singer1');
    expect(again.headers.get('x-cache')).toBeNull();

    const download = await api(`/songs/${song.id}/media/download`, 'curator');
    expect(download.status).toBe(302);
    expect(download.headers.get('cache-control')).toBe('no-store');
    const saved = await fetch(download.headers.get('location') ?? '');
    expect(saved.status).toBe(200);
    const disposition = saved.headers.get('content-disposition') ?? '';
    expect(disposition).toMatch(/^attachment; filename="AC DC - D_j_ Vu Remix \d+\.mp3"; filename\*=UTF-8''/);
    expect(decodeURIComponent(disposition.split("UTF-8''")[1] ?? '')).toMatch(
      /^AC DC - Déjà Vu Remix \d+\.mp3$/,
    );
  });

  it('a text file renamed .mp3 is rejected with a reason and gone from the bucket', async () => {
    const song = await newSong('Not Music');
    const media = await uploadAndWait(song.id, 'text-named.mp3', 'audio/mpeg', 'notes.mp3');
    expect(media).toMatchObject({ status: 'rejected', reason: 'The file is text, not an MP3.' });
    const head = s3.send(
      new HeadObjectCommand({ Bucket: env().MEDIA_BUCKET, Key: `media/${song.id}/${media.mediaId}` }),
    );
    await expect(head).rejects.toThrow();
    // Singers see ready media only.
    expect(await mediaOf(song.id, 'singer1')).toEqual([]);
    expect((await mediaOf(song.id, 'curator')).map((item) => item.status)).toEqual(['rejected']);
    expect((await api(`/songs/${song.id}/media/stream`, 'singer1')).status).toBe(409);
  });

  it('anonymous streams are 401, a singer downloading is 403', async () => {
    const song = await newSong('Guarded');
    await uploadAndWait(song.id, 'tone.ogg', 'audio/ogg');
    expect((await api(`/songs/${song.id}/media/stream`)).status).toBe(401);
    expect((await api(`/songs/${song.id}/media/download`, 'singer1')).status).toBe(403);
    expect((await api(`/songs/${song.id}/media/download`, 'admin')).status).toBe(302);
  });

  it('a curator removes a media: its object and its row go, and the song has no audio again', async () => {
    const song = await newSong('Removed');
    const media = await uploadAndWait(song.id, 'tone.flac', 'audio/flac');
    expect(
      (await api(`/songs/${song.id}/media/${media.mediaId}`, 'curator', { method: 'DELETE' })).status,
    ).toBe(204);
    expect(await mediaOf(song.id, 'curator')).toEqual([]);
    const read = (await (await api(`/songs/${song.id}`)).json()) as { hasAudio: boolean };
    expect(read.hasAudio).toBe(false);
    expect(
      (await api(`/songs/${song.id}/media/${media.mediaId}`, 'curator', { method: 'DELETE' })).status,
    ).toBe(404);
  });

  describe('upload requests that cannot be honoured are a clear 4xx, and write nothing', () => {
    let songId: string;
    beforeAll(async () => {
      songId = (await newSong('Refusals')).id;
    });
    const ask = (body: Record<string, unknown>, id = songId) =>
      post(`/songs/${id}/media/uploads`, 'curator', {
        fileName: 'track.mp3',
        contentType: 'audio/mpeg',
        sizeBytes: 1000,
        ...body,
      });

    it.each([
      ['an unknown content type', { contentType: 'application/x-msdownload' }, 'contentType'],
      ['a video', { contentType: 'video/mp4' }, 'contentType'],
      ['control characters in the file name', { fileName: 'a\u0000b\r\n.mp3' }, 'fileName'],
      ['a 300-character file name', { fileName: `${'x'.repeat(296)}.mp3` }, 'fileName'],
      ['a file name that is only a path', { fileName: '../..' }, 'fileName'],
      ['an empty file', { sizeBytes: 0 }, 'sizeBytes'],
    ])('%s → 400 naming the field', async (_, body, field) => {
      const response = await ask(body);
      expect(response.status).toBe(400);
      const problem = (await response.json()) as { issues: Array<{ path: string }> };
      expect(problem.issues.map((issue) => issue.path)).toContain(field);
    });

    it('a file over the 200 MB limit of this deployment → 422 naming the field', async () => {
      const response = await ask({ sizeBytes: 200 * 1024 * 1024 + 1 });
      expect(response.status).toBe(422);
      const problem = (await response.json()) as { issues: Array<{ path: string }> };
      expect(problem.issues.map((issue) => issue.path)).toContain('sizeBytes');
    });

    it('a file name with a path and quotes is kept as its plain name', async () => {
      expect((await ask({ fileName: '../../etc/"evil".mp3' })).status).toBe(201);
    });

    it('an upload for a deleted song → 404', async () => {
      const gone = (await newSong('Gone')).id;
      expect((await api(`/songs/${gone}`, 'curator', { method: 'DELETE' })).status).toBe(204);
      expect((await ask({}, gone)).status).toBe(404);
      expect((await api(`/songs/${gone}/media`, 'curator')).status).toBe(404);
    });

    it('nothing was written for the refused requests', async () => {
      const items = await mediaOf(songId, 'curator');
      expect(items.map((item) => item.status)).toEqual(['pending']);
    });
  });
});
