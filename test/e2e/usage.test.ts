import { randomUUID } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { awsClientConfig } from '#lib/aws';
import { DEMO_USERS } from '#scripts/local/oidc-provider';
import { type LocalServer, startLocalServer } from '#scripts/local/server';
import { startLocalSync } from '#scripts/local/sync';
import { runMetricsQuery } from '#scripts/metrics';
import { issueLocalAccessToken } from '#scripts/token';
import { LAKE_PREFIX } from '#services/metrics/lake/keys';
import { decodeUsageParquet } from '#services/metrics/lake/parquet';
import type { UsageRow } from '#services/metrics/lake/rows';
import { s3LakeStore } from '#services/metrics/lake/store';
import { bffApi } from '../support/bff-api.ts';
import { freePort } from '../support/child.ts';
import { audioFixture, postUpload } from '../support/media.ts';
import { eventually } from '../support/sync-fixture.ts';

const USERS = ['curator', 'singer1', 'singer2', 'kj'] as const;
type User = (typeof USERS)[number];

describe('usage metrics end to end: what people do through the BFF is counted once in the lake', () => {
  let server: LocalServer;
  let sync: { stop(): Promise<void> };
  let s3: S3Client;
  const env = () => inject('localEnv');
  const tokens = {} as Record<User, string>;
  /** Strings that must never reach the lake: tokens, signed links, the client secret. */
  const secrets: string[] = [];
  const word = `lake${randomUUID().slice(0, 8)}`;
  const lake = () => s3LakeStore(s3, env().LAKE_BUCKET ?? '');

  beforeAll(async () => {
    server = await startLocalServer(env(), await freePort());
    sync = await startLocalSync({ env: env() });
    for (const user of USERS) tokens[user] = await issueLocalAccessToken(server.oidcIssuer, user);
    secrets.push(...Object.values(tokens), env().OIDC_CLIENT_SECRET ?? 'no secret');
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

  const { api } = bffApi(
    () => server.url,
    (user) => tokens[user as User],
  );
  const post = async (path: string, user: User, body: unknown = {}) => {
    const response = await api(path, user, { method: 'POST', body: JSON.stringify(body) });
    const text = await response.text();
    expect(response.status, `${path}: ${text.slice(0, 300)}`).toBeLessThan(300);
    return text ? (JSON.parse(text) as Record<string, unknown>) : {};
  };
  const read = async (path: string, user: User | null) => {
    const response = await api(path, user);
    expect(response.status, path).toBeLessThan(400);
    return response;
  };

  async function songWithAudio(title: string) {
    const song = (await post('/songs', 'curator', { title: `${title} ${word}`, artist: 'Lake Band' })) as {
      id: string;
    };
    const bytes = audioFixture('tone.mp3');
    const asked = (await post(`/songs/${song.id}/media/uploads`, 'curator', {
      fileName: 'tone.mp3',
      contentType: 'audio/mpeg',
      sizeBytes: bytes.length,
    })) as { upload: { url: string; fields: Record<string, string> } };
    expect(await postUpload(asked.upload, bytes, 'tone.mp3')).toBeLessThan(300);
    await eventually(async () => {
      const media = (await (await read(`/songs/${song.id}/media`, 'curator')).json()) as {
        items: Array<{ status: string }>;
      };
      expect(media.items[0]?.status).toBe('ready');
    }, 20_000);
    return song.id;
  }

  it('counts searches (cached ones too), plays, downloads and a karaoke night exactly, with no secret in any column', async () => {
    const songA = await songWithAudio('Lake Anthem');
    const songB = (await post('/songs', 'curator', { title: `Lake Ballad ${word}`, artist: 'Lake Band' }))
      .id as string;
    const since = new Date().toISOString().slice(0, 10);

    // Searches: four for the word (the repeats answered by the read cache), two that find nothing.
    const cacheOutcomes: Array<string | null> = [];
    for (const user of [null, null, null, 'singer1'] as const) {
      const response = await read(`/songs/search?q=${word}`, user);
      cacheOutcomes.push(response.headers.get('x-cache'));
      await response.body?.cancel();
    }
    expect(cacheOutcomes).toContain('hit');
    for (let n = 0; n < 2; n++) await (await read(`/songs/search?q=${word}zzqx`, null)).body?.cancel();

    // Three views of song A (the later ones may be answered from memory), two streams, one download.
    for (let n = 0; n < 3; n++) await (await read(`/songs/${songA}`, null)).body?.cancel();
    for (const user of ['singer1', 'singer2'] as const) {
      const stream = await api(`/songs/${songA}/media/stream`, user);
      expect(stream.status).toBe(302);
      secrets.push(
        new URL(stream.headers.get('location') ?? '').searchParams.get('X-Amz-Signature') ?? 'none',
      );
    }
    const download = await api(`/songs/${songA}/media/download`, 'curator');
    expect(download.status).toBe(302);

    // A karaoke night: two requests, one performance.
    const night = (await post('/events', 'kj', {
      name: `Lake night ${word}`,
      fairness: 'fair',
      maxQueuedPerSinger: 3,
      publicDisplay: false,
    })) as { id: string };
    await post(`/events/${night.id}/requests`, 'singer1', { songId: songA });
    await post(`/events/${night.id}/requests`, 'singer2', { songId: songB });
    await post(`/events/${night.id}/rotation/advance`, 'kj');
    await post(`/events/${night.id}/rotation/advance`, 'kj');

    const metric = async (query: string) => (await runMetricsQuery({ env: env(), query, since })).rows;
    await eventually(
      async () => {
        expect((await metric('top-searches')).find((row) => row.query_text === word)?.searches).toBe(4);
        expect(
          (await metric('zero-result-searches')).find((row) => row.query_text === `${word}zzqx`)?.searches,
        ).toBe(2);
        expect((await metric('plays-by-track')).filter((row) => row.song_id === songA)).toEqual([
          { event_date: since, song_id: songA, plays: 2, downloads: 1 },
        ]);
        expect((await metric('karaoke-nights')).find((row) => row.night_id === night.id)).toMatchObject({
          requests: 2,
          performances: 1,
          singers: 2,
          songs_sung: 1,
        });
      },
      60_000,
      1000,
    );
    // Pitches do not exist yet: the query runs and answers nothing for this scenario.
    expect((await metric('pitch-engagement')).filter((row) => row.pitch_id === songA)).toEqual([]);

    const rows = await lakeRows();
    const views = rows.filter((row) => row.subject_kind === 'song' && row.song_id === songA);
    expect(new Set(views.map((row) => row.event_id)).size).toBe(3);

    // Every column of every file in the lake: no e-mail address, token, signature or password.
    const passwords = USERS.map((user) => new RegExp(`\\b${user}\\b`));
    const emails = DEMO_USERS.map((user) => user.email);
    for (const row of rows) {
      for (const [column, value] of Object.entries(row)) {
        const text = value instanceof Date ? value.toISOString() : String(value);
        expect(text, column).not.toMatch(/[^\s@"]+@[^\s@"]+\.[a-z]{2,}/i);
        for (const secret of [...secrets, ...emails])
          expect(text.includes(secret), `${column} holds a secret`).toBe(false);
        for (const password of passwords) expect(text, `${column} holds a password`).not.toMatch(password);
      }
    }
  });

  it('another reader (DuckDB) reads the same rows from the Parquet files as the archiver wrote', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'usage-e2e-'));
    try {
      const objects = await lake().list(LAKE_PREFIX);
      expect(objects.length).toBeGreaterThan(0);
      const written: UsageRow[] = [];
      for (const { key } of objects) {
        const body = await lake().get(key);
        written.push(...(await decodeUsageParquet(body)));
        mkdirSync(dirname(join(folder, key)), { recursive: true });
        writeFileSync(join(folder, key), body);
      }
      const instance = await DuckDBInstance.create(':memory:');
      const connection = await instance.connect();
      const reader = await connection.runAndReadAll(
        `SELECT event_id, epoch_ms(occurred_at) AS at_ms, coalesce(query, '') AS query, coalesce(result_count, -1) AS results
         FROM read_parquet('${folder}/usage/**/*.parquet', hive_partitioning = true) ORDER BY event_id, at_ms`,
      );
      const duck = reader
        .getRowObjectsJS()
        .map((row) => [row.event_id, Number(row.at_ms), row.query, Number(row.results)]);
      connection.closeSync();
      instance.closeSync();
      const ours = written
        .map((row) => [row.event_id, row.occurred_at.getTime(), row.query ?? '', row.result_count ?? -1])
        .sort((a, b) =>
          String(a[0]) === String(b[0]) ? Number(a[1]) - Number(b[1]) : String(a[0]) < String(b[0]) ? -1 : 1,
        );
      expect(duck).toEqual(ours);
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });

  async function lakeRows(): Promise<UsageRow[]> {
    const rows: UsageRow[] = [];
    for (const { key } of await lake().list(LAKE_PREFIX))
      rows.push(...(await decodeUsageParquet(await lake().get(key))));
    return rows;
  }
});
