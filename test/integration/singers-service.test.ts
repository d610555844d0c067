import { randomUUID } from 'node:crypto';
import type { PostConfirmationTriggerEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Db, type Params, sql } from '#lib/db/port';
import { ValidationError } from '#lib/errors';
import { createSingersApp } from '#services/singers/app';
import { createPostConfirmationHandler } from '#services/singers/post-confirmation';
import { pgSingerStore } from '#services/singers/repo';
import { createSingersService, type SingersService } from '#services/singers/service';
import { actorTokenHeaders, testCallers } from '#test/support/actor-tokens';
import { type DbAdapter, openServiceDb } from '#test/support/service-db';
import { quietLog } from '../support/sync-fixture.ts';

interface Harness {
  /** Statements go through the adapter under test. */
  db: Db;
  /** Plain pg on the same database, for checking what was written. */
  inspect: Db;
  service: SingersService;
  app: ReturnType<typeof createSingersApp>;
  close(): Promise<void>;
}

async function openHarness(adapter: DbAdapter): Promise<Harness> {
  const store = await openServiceDb(adapter);
  const service = createSingersService({ singers: pgSingerStore(store.db) });
  return {
    db: store.db,
    inspect: store.inspect,
    service,
    app: createSingersApp({ singers: service, log: quietLog, callers: testCallers }),
    close: store.close,
  };
}

const base = '/internal/singers/singers';

describe.each(['pg', 'data-api'] as const)('singers service over HTTP (%s adapter)', (adapter) => {
  let h: Harness;

  beforeAll(async () => {
    h = await openHarness(adapter);
  });

  afterAll(() => h?.close());

  const send = async (method: string, path: string, body?: unknown) =>
    h.app.request(path, {
      method,
      headers: { 'content-type': 'application/json', ...(await actorTokenHeaders('singers')) },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    });
  const count = async (from: string, params: Params = {}) =>
    (await h.inspect.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${from}`, params))[0]?.n;
  const outboxOf = (entity: string, keyPrefix: string) =>
    h.inspect.query<{ op: string; key: string; version: number; payload: Record<string, unknown> }>(
      'SELECT op, key, version, payload FROM outbox WHERE entity = :entity AND key LIKE :prefix ORDER BY id',
      { entity, prefix: `${keyPrefix}%` },
    );
  const newSinger = async (claims: Record<string, unknown> = { name: 'Ada Lovelace' }) => {
    const id = randomUUID();
    const response = await send('PUT', `${base}/${id}`, claims);
    expect(response.status).toBe(201);
    return { id, singer: (await response.json()) as { version: number; stageName: string } };
  };

  it('creates a singer from claims once, and a repeated PUT changes nothing and publishes nothing', async () => {
    const id = randomUUID();
    const claims = {
      email: 'ada@example.com',
      name: 'Ada Lovelace',
      givenName: 'Ada',
      familyName: 'Lovelace',
      preferredUsername: 'ada',
    };
    const first = await send('PUT', `${base}/${id}`, claims);
    expect(first.status).toBe(201);
    const created = (await first.json()) as { version: number };
    expect(created).toMatchObject({
      id,
      stageName: 'ada',
      givenName: 'Ada',
      familyName: 'Lovelace',
      email: 'ada@example.com',
    });
    const again = await send('PUT', `${base}/${id}`, claims);
    expect(again.status).toBe(200);
    expect(((await again.json()) as { version: number }).version).toBe(created.version);
    expect(await count('singers WHERE id = :id', { id: sql.uuid(id) })).toBe(1);
    const changes = await outboxOf('singer', id);
    expect(changes).toHaveLength(1);
    expect(changes[0]).toMatchObject({ op: 'upsert', key: id, version: created.version });
    expect(changes[0]?.payload).toMatchObject({ id, stage_name: 'ada' });
  });

  it('refreshes the email from later claims but keeps what the singer chose', async () => {
    const { id } = await newSinger({ email: 'old@example.com', preferredUsername: 'first' });
    expect((await send('PATCH', `${base}/${id}`, { stageName: 'Mine', givenName: 'Chosen' })).status).toBe(
      200,
    );
    const refreshed = await send('PUT', `${base}/${id}`, {
      email: 'new@example.com',
      preferredUsername: 'other',
      givenName: 'FromProvider',
      familyName: 'Filled',
    });
    expect(refreshed.status).toBe(200);
    expect(await refreshed.json()).toMatchObject({
      stageName: 'Mine',
      givenName: 'Chosen',
      familyName: 'Filled',
      email: 'new@example.com',
    });
  });

  it('reads, patches with a new version and an outbox row, and answers 404 for an unknown singer', async () => {
    const { id, singer } = await newSinger();
    expect(singer.stageName).toBe('Ada Lovelace');
    const patched = await send('PATCH', `${base}/${id}`, { stageName: '  Queen of Code  ' });
    expect(patched.status).toBe(200);
    const after = (await patched.json()) as { version: number; stageName: string };
    expect(after.stageName).toBe('Queen of Code');
    expect(after.version).toBeGreaterThan(singer.version);
    expect(await (await send('GET', `${base}/${id}`)).json()).toMatchObject({
      stageName: 'Queen of Code',
      version: after.version,
    });
    // The same value again is no change: no new version, nothing published.
    const same = (await (await send('PATCH', `${base}/${id}`, { stageName: 'Queen of Code' })).json()) as {
      version: number;
    };
    expect(same.version).toBe(after.version);
    expect((await outboxOf('singer', id)).map((change) => change.version)).toEqual([
      singer.version,
      after.version,
    ]);

    const missing = randomUUID();
    for (const [method, body] of [
      ['GET', undefined],
      ['PATCH', { stageName: 'x' }],
    ] as const) {
      const response = await send(method, `${base}/${missing}`, body);
      expect(response.status).toBe(404);
      expect(response.headers.get('content-type')).toBe('application/problem+json');
      expect(await response.json()).toMatchObject({ detail: `No singer with id ${missing}.` });
    }
  });

  it('answers field-level problems for invalid changes and writes nothing', async () => {
    const { id } = await newSinger();
    const outboxBefore = await count('outbox');
    const cases: Array<[unknown, string[]]> = [
      [{ stageName: '' }, ['stageName']],
      [{ stageName: '   ' }, ['stageName']],
      [{ stageName: 'x'.repeat(41) }, ['stageName']],
      [{ stageName: 'Bell\u0007' }, ['stageName']],
      [{ stageName: 'two\nlines' }, ['stageName']],
      [{ stageName: 42 }, ['stageName']],
      [{ id: randomUUID(), stageName: 'ok' }, ['']],
      [{ email: 'me@example.com' }, ['']],
      [{}, ['']],
    ];
    for (const [body, paths] of cases) {
      const response = await send('PATCH', `${base}/${id}`, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      const problem = (await response.json()) as { issues: Array<{ path: string }> };
      expect(new Set(problem.issues.map((issue) => issue.path))).toEqual(new Set(paths));
    }
    expect((await send('GET', `${base}/not-a-uuid`)).status).toBe(400);
    expect((await send('PATCH', `${base}/${id}`, '{"stageName":')).status).toBe(400);
    expect(await count('outbox')).toBe(outboxBefore);
  });

  it('counts the 40-character limit in characters, not UTF-16 units', async () => {
    const { id } = await newSinger();
    const forty = '🎤'.repeat(40);
    const ok = await send('PATCH', `${base}/${id}`, { stageName: forty });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { stageName: string }).stageName).toBe(forty);
    expect((await send('PATCH', `${base}/${id}`, { stageName: `${forty}!` })).status).toBe(400);
  });

  it('stores hostile input verbatim and hands it back unchanged', async () => {
    const { id } = await newSinger();
    for (const stageName of [
      "Robert'); DROP TABLE singers;--",
      '<script>alert(1)</script>',
      '{{constructor.constructor("x")()}}',
      ':id :stageName $1 \\x00',
      'ﬀ\u200b\u202eevil',
      '"; --',
    ]) {
      const response = await send('PATCH', `${base}/${id}`, { stageName });
      expect(response.status, stageName).toBe(200);
      expect(((await response.json()) as { stageName: string }).stageName).toBe(stageName);
      const [row] = await h.inspect.query<{ stage_name: string }>(
        'SELECT stage_name FROM singers WHERE id = :id',
        { id: sql.uuid(id) },
      );
      expect(row?.stage_name).toBe(stageName);
    }
    expect(await count('singers WHERE id = :id', { id: sql.uuid(id) })).toBe(1);
  });

  it('keeps favourites idempotently, newest first, in pages that neither skip nor repeat', async () => {
    const { id } = await newSinger();
    const songs = Array.from({ length: 25 }, () => randomUUID());
    for (const song of songs)
      expect((await send('PUT', `${base}/${id}/favourites/${song}`)).status).toBe(201);
    const again = await send('PUT', `${base}/${id}/favourites/${songs[0]}`);
    expect(again.status).toBe(200);

    const seen: string[] = [];
    let cursor: string | null = null;
    let pages = 0;
    do {
      const query: string = cursor ? `?limit=10&cursor=${encodeURIComponent(cursor)}` : '?limit=10';
      const response = await send('GET', `${base}/${id}/favourites${query}`);
      expect(response.status).toBe(200);
      const page = (await response.json()) as {
        items: Array<{ songId: string }>;
        total: number;
        cursor: string | null;
      };
      expect(page.total).toBe(25);
      seen.push(...page.items.map((item) => item.songId));
      cursor = page.cursor;
      pages++;
    } while (cursor);
    expect(pages).toBe(3);
    expect(seen).toEqual([...songs].reverse());

    expect((await send('DELETE', `${base}/${id}/favourites/${songs[3]}`)).status).toBe(204);
    expect((await send('DELETE', `${base}/${id}/favourites/${songs[3]}`)).status).toBe(204);
    const after = (await (await send('GET', `${base}/${id}/favourites?limit=100`)).json()) as {
      items: Array<{ songId: string }>;
      total: number;
      cursor: string | null;
    };
    expect(after.total).toBe(24);
    expect(after.cursor).toBeNull();
    expect(after.items.map((item) => item.songId)).not.toContain(songs[3]);
  });

  it('publishes each favourite added and removed, the removal with a later version', async () => {
    const { id } = await newSinger();
    const song = randomUUID();
    await send('PUT', `${base}/${id}/favourites/${song}`);
    await send('PUT', `${base}/${id}/favourites/${song}`);
    await send('DELETE', `${base}/${id}/favourites/${song}`);
    await send('DELETE', `${base}/${id}/favourites/${song}`);
    const changes = await outboxOf('favourite', id);
    expect(changes.map((change) => [change.op, change.key])).toEqual([
      ['upsert', `${id}:${song}`],
      ['delete', `${id}:${song}`],
    ]);
    expect(changes[1]?.version).toBeGreaterThan(changes[0]?.version ?? Number.POSITIVE_INFINITY);
    expect(changes[0]?.payload).toMatchObject({ singer_id: id, song_id: song });
  });

  it('answers 404 for the favourites of an unknown singer and 400 for a forged cursor', async () => {
    const missing = randomUUID();
    const song = randomUUID();
    expect((await send('GET', `${base}/${missing}/favourites`)).status).toBe(404);
    expect((await send('PUT', `${base}/${missing}/favourites/${song}`)).status).toBe(404);
    expect((await send('DELETE', `${base}/${missing}/favourites/${song}`)).status).toBe(404);
    expect(await count('favourites WHERE singer_id = :id', { id: sql.uuid(missing) })).toBe(0);

    const { id } = await newSinger();
    for (const cursor of ['nonsense', Buffer.from('fav:-1').toString('base64url'), "' OR 1=1 --"]) {
      const response = await send('GET', `${base}/${id}/favourites?cursor=${encodeURIComponent(cursor)}`);
      expect(response.status, cursor).toBe(400);
      expect(await response.json()).toMatchObject({ issues: [{ path: 'cursor' }] });
    }
    expect((await send('GET', `${base}/${id}/favourites?limit=101`)).status).toBe(400);
    expect((await send('PUT', `${base}/${id}/favourites/not-a-song`)).status).toBe(400);
  });
});

describe('Cognito post-confirmation trigger', () => {
  let h: Harness;
  let handler: ReturnType<typeof createPostConfirmationHandler>;

  beforeAll(async () => {
    h = await openHarness('pg');
    handler = createPostConfirmationHandler({ singers: h.service, log: quietLog });
  });

  afterAll(() => h?.close());

  /** A PostConfirmation_ConfirmSignUp event as Cognito sends it for a self sign-up. */
  const confirmSignUp = (sub: string): PostConfirmationTriggerEvent => ({
    version: '1',
    region: 'eu-west-1',
    userPoolId: 'eu-west-1_AbCdEfGhI',
    userName: sub,
    callerContext: { awsSdkVersion: 'aws-sdk-unknown-unknown', clientId: '1example23456789' },
    triggerSource: 'PostConfirmation_ConfirmSignUp',
    request: {
      userAttributes: {
        sub,
        'cognito:email_alias': 'grace@example.com',
        'cognito:user_status': 'CONFIRMED',
        email_verified: 'true',
        email: 'grace@example.com',
        given_name: 'Grace',
        family_name: 'Hopper',
        name: 'Grace Hopper',
        preferred_username: 'Amazing Grace',
      },
    },
    response: {},
  });

  const singersWith = async (id: string) =>
    (
      await h.inspect.query<{ n: number }>('SELECT count(*)::int AS n FROM singers WHERE id = :id', {
        id: sql.uuid(id),
      })
    )[0]?.n;

  it('creates the singer with the sub as id, returns the event unchanged, and a retry adds nothing', async () => {
    const sub = randomUUID();
    const event = confirmSignUp(sub);
    const snapshot = structuredClone(event);
    expect(await handler(event)).toEqual(snapshot);
    expect(await handler(confirmSignUp(sub))).toEqual(snapshot);
    expect(await singersWith(sub)).toBe(1);
    expect(await h.service.get(sub)).toMatchObject({
      id: sub,
      stageName: 'Amazing Grace',
      givenName: 'Grace',
      familyName: 'Hopper',
      email: 'grace@example.com',
    });
    const changes = await h.inspect.query('SELECT op FROM outbox WHERE entity = :entity AND key = :key', {
      entity: 'singer',
      key: sub,
    });
    expect(changes).toEqual([{ op: 'upsert' }]);
  });

  it('makes do with attributes a user typed badly, cutting and cleaning them', async () => {
    const sub = randomUUID();
    const event = confirmSignUp(sub);
    event.request.userAttributes = {
      sub,
      email: 'not an email',
      preferred_username: '\u0000\u001b\u0007',
      name: `Very ${'long '.repeat(20)}name`,
      given_name: 'Line\nBreak',
    };
    await handler(event);
    const singer = await h.service.get(sub);
    expect(singer).toMatchObject({ givenName: 'Line Break', familyName: null, email: null });
    expect([...singer.stageName].length).toBeLessThanOrEqual(40);
    expect(singer.stageName.startsWith('Very long')).toBe(true);
  });

  it('refuses a malformed event and writes nothing', async () => {
    const outboxBefore = (await h.inspect.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox'))[0]
      ?.n;
    const noSub = confirmSignUp(randomUUID());
    noSub.request.userAttributes = { email: 'someone@example.com' };
    await expect(handler(noSub)).rejects.toBeInstanceOf(ValidationError);
    const notUuid = confirmSignUp('abc');
    await expect(handler(notUuid)).rejects.toBeInstanceOf(ValidationError);
    const noRequest = {
      ...confirmSignUp(randomUUID()),
      request: undefined,
    } as unknown as PostConfirmationTriggerEvent;
    await expect(handler(noRequest)).rejects.toBeInstanceOf(ValidationError);
    expect((await h.inspect.query<{ n: number }>('SELECT count(*)::int AS n FROM outbox'))[0]?.n).toBe(
      outboxBefore,
    );
  });

  it('leaves a password-reset confirmation alone', async () => {
    const sub = randomUUID();
    const event = {
      ...confirmSignUp(sub),
      triggerSource: 'PostConfirmation_ConfirmForgotPassword' as const,
    };
    expect(await handler(event)).toBe(event);
    expect(await singersWith(sub)).toBe(0);
  });
});
