import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor } from '#lib/actor';
import { sql } from '#lib/db/port';
import { createRotationsApp } from '#services/rotations/app';
import type { KaraokeEvent, RequestReceipt, Rotation } from '#services/rotations/contract';
import { pgRotationStore } from '#services/rotations/repo';
import { createRotationsService } from '#services/rotations/service';
import { serviceCaller, testCallers } from '#test/support/actor-tokens';
import { type DbAdapter, openServiceDb, type ServiceDb } from '#test/support/service-db';
import { quietLog } from '../support/sync-fixture.ts';

const timing = { defaultDurationMs: 210_000, changeoverMs: 60_000 };

const person = (...roles: string[]): Actor => ({ id: randomUUID(), roles });
const song = (title: string) => ({ songId: randomUUID(), title, artist: 'Test Artist', durationMs: 180_000 });

describe.each(['pg', 'data-api'] as const)('rotations service (%s adapter)', (adapter: DbAdapter) => {
  let store: ServiceDb;
  let app: ReturnType<typeof createRotationsApp>;

  beforeAll(async () => {
    store = await openServiceDb(adapter);
    const rotations = createRotationsService({ store: pgRotationStore(store.db), timing });
    app = createRotationsApp({ rotations, log: quietLog, callers: testCallers });
  });

  afterAll(() => store?.close());

  const send = serviceCaller(() => app, 'rotations');
  const json = async <T>(response: Response, status: number): Promise<T> => {
    const body = await response.text();
    expect(response.status, body).toBe(status);
    return JSON.parse(body) as T;
  };
  const open = async (kj: Actor, body: Record<string, unknown> = {}) =>
    json<KaraokeEvent>(
      await send('POST', '/events', { actor: kj, body: { name: 'Friday night', ...body } }),
      201,
    );
  const request = async (
    eventId: string,
    singer: Actor,
    title: string,
    extra: Record<string, unknown> = {},
  ) =>
    json<RequestReceipt>(
      await send('POST', `/events/${eventId}/requests`, {
        actor: singer,
        body: { ...song(title), stageName: `Singer ${title}`, ...extra },
      }),
      201,
    );
  const rotation = async (eventId: string) =>
    json<Rotation>(await send('GET', `/events/${eventId}/rotation`), 200);
  const logOf = (eventId: string) =>
    store.inspect.query<{ seq: number; type: string; data: Record<string, unknown> }>(
      'SELECT seq, type, data FROM rotation_events WHERE event_id = :id ORDER BY seq',
      { id: sql.uuid(eventId) },
    );
  const eventCount = async () =>
    (await store.inspect.query<{ n: number }>('SELECT count(*)::int AS n FROM rotation_events'))[0]?.n;

  it('takes requests and advances turns, logging every change with a gapless sequence', async () => {
    const kj = person('kj');
    const [ada, bob] = [person('singer'), person('singer')];
    const night = await open(kj);
    expect(night).toMatchObject({ kjId: kj.id, fairness: 'fair', closed: false, publicDisplay: false });
    const first = await request(night.id, ada, 'One');
    const second = await request(night.id, bob, 'Two');
    const before = await rotation(night.id);
    expect(before.nowPerforming).toBeNull();
    expect(before.upNext.map((turn) => turn.requestId)).toEqual([first.requestId, second.requestId]);

    const after = await json<Rotation>(
      await send('POST', `/events/${night.id}/rotation/advance`, { actor: kj }),
      200,
    );
    expect(after.nowPerforming?.requestId).toBe(first.requestId);
    expect(after.upNext.map((turn) => turn.requestId)).toEqual([second.requestId]);

    const log = await logOf(night.id);
    expect(log.map((entry) => entry.seq)).toEqual(log.map((_, index) => index + 1));
    expect(log[0]?.type).toBe('EventOpened');
    expect(log.map((entry) => entry.type)).toEqual(
      expect.arrayContaining(['SingerJoined', 'SongRequested', 'TurnStarted']),
    );
    expect(after.version).toBe(log.length);
  });

  it('rebuilds the read model from the log to exactly the live one, and repairs a damaged one', async () => {
    const kj = person('kj');
    const night = await open(kj);
    await request(night.id, person('singer'), 'A');
    await request(night.id, person('singer'), 'B');
    await send('POST', `/events/${night.id}/rotation/advance`, { actor: kj });
    const live = await rotation(night.id);
    expect(await json(await send('POST', `/events/${night.id}/rebuild`), 200)).toEqual({ changed: false });

    await store.inspect.execute(
      `UPDATE rotations SET state = jsonb_set(state, '{name}', '"Damaged"') WHERE event_id = :id`,
      { id: sql.uuid(night.id) },
    );
    expect(await json(await send('POST', `/events/${night.id}/rebuild`), 200)).toEqual({ changed: true });
    expect(await rotation(night.id)).toEqual(live);
    expect((await json<KaraokeEvent>(await send('GET', `/events/${night.id}`), 200)).name).toBe(
      'Friday night',
    );
  });

  it('serialises concurrent KJ actions: no turn is started twice and the log folds to the stored model', async () => {
    const kj = person('kj');
    const night = await open(kj);
    const receipts = [];
    for (const title of ['1', '2', '3', '4', '5', '6'])
      receipts.push(await request(night.id, person('singer'), title));
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => send('POST', `/events/${night.id}/rotation/advance`, { actor: kj })),
    );
    const succeeded = answers.filter((answer) => answer.status === 200).length;
    expect(answers.every((answer) => answer.status === 200 || answer.status === 412)).toBe(true);
    expect(succeeded).toBeGreaterThan(0);

    const log = await logOf(night.id);
    expect(log.map((entry) => entry.seq)).toEqual(log.map((_, index) => index + 1));
    const started = log.filter((entry) => entry.type === 'TurnStarted').map((entry) => entry.data.requestId);
    expect(started).toHaveLength(succeeded);
    expect(new Set(started).size).toBe(started.length);
    expect(started).toEqual(receipts.slice(0, succeeded).map((receipt) => receipt.requestId));
    expect(await json(await send('POST', `/events/${night.id}/rebuild`), 200)).toEqual({ changed: false });
  });

  it('refuses a KJ action pinned to a stale version with 412 and writes nothing', async () => {
    const kj = person('kj');
    const night = await open(kj);
    await request(night.id, person('singer'), 'A');
    const seen = await rotation(night.id);
    await request(night.id, person('singer'), 'B');
    const before = await eventCount();
    const stale = await send('POST', `/events/${night.id}/rotation/advance`, {
      actor: kj,
      headers: { 'if-match': `"${seen.version}"` },
    });
    expect(stale.status).toBe(412);
    expect(await eventCount()).toBe(before);
    const current = await rotation(night.id);
    const fresh = await send('POST', `/events/${night.id}/rotation/advance`, {
      actor: kj,
      headers: { 'if-match': `"${current.version}"` },
    });
    expect(fresh.status).toBe(200);
  });

  it('sends finished performances and new next-up singers out through the outbox, once each', async () => {
    const kj = person('kj');
    const night = await open(kj);
    const singer = person('singer');
    const first = await request(night.id, singer, 'A');
    await request(night.id, person('singer'), 'B');
    await send('POST', `/events/${night.id}/rotation/advance`, { actor: kj });
    await send('POST', `/events/${night.id}/rotation/advance`, { actor: kj });
    await rotation(night.id);
    await rotation(night.id);

    const log = await logOf(night.id);
    const outbox = await store.inspect.query<{
      entity: string;
      key: string;
      payload: { data: Record<string, unknown> };
    }>('SELECT entity, key, payload FROM outbox WHERE key LIKE :prefix ORDER BY id', {
      prefix: `${night.id}:%`,
    });
    const performances = outbox.filter((row) => row.entity === 'performance');
    expect(performances).toHaveLength(1);
    expect(performances[0]?.payload.data).toMatchObject({
      requestId: first.requestId,
      singerId: singer.id,
      kjId: kj.id,
      eventId: night.id,
      title: 'A',
    });
    const upNextLogged = log.filter((entry) => entry.type === 'SingerUpNext');
    expect(upNextLogged.length).toBeGreaterThan(0);
    expect(outbox.filter((row) => row.entity === 'up-next').map((row) => row.key)).toEqual(
      upNextLogged.map((entry) => `${night.id}:${entry.seq}`),
    );
  });

  it('lets only the night’s KJ (or an admin) run it, and only a request’s singer (or the KJ) withdraw it', async () => {
    const kj = person('kj');
    const night = await open(kj);
    const ada = person('singer');
    const bob = person('singer');
    const adas = await request(night.id, ada, 'A');
    await request(night.id, bob, 'B');
    const before = await eventCount();
    for (const outsider of [ada, person('kj')]) {
      expect((await send('POST', `/events/${night.id}/rotation/advance`, { actor: outsider })).status).toBe(
        403,
      );
      expect((await send('POST', `/events/${night.id}/close`, { actor: outsider })).status).toBe(403);
    }
    expect(
      (await send('DELETE', `/events/${night.id}/requests/${adas.requestId}`, { actor: bob })).status,
    ).toBe(403);
    const guest = await send('POST', `/events/${night.id}/requests`, {
      actor: bob,
      body: { ...song('G'), stageName: 'Bob', guestName: 'Walk-in' },
    });
    expect(guest.status).toBe(403);
    expect((await send('POST', '/events', { actor: ada, body: { name: 'Mine' } })).status).toBe(403);
    expect(await eventCount()).toBe(before);

    expect(
      (await send('DELETE', `/events/${night.id}/requests/${adas.requestId}`, { actor: ada })).status,
    ).toBe(204);
    expect(
      (await send('DELETE', `/events/${night.id}/requests/${adas.requestId}`, { actor: ada })).status,
    ).toBe(204);
    expect(
      (await send('POST', `/events/${night.id}/rotation/advance`, { actor: person('admin') })).status,
    ).toBe(200);
  });

  describe('changing the key of a waiting request', () => {
    const changeKey = (
      eventId: string,
      requestId: string,
      actor: Actor,
      body: unknown,
      headers: Record<string, string> = {},
    ) => send('PATCH', `/events/${eventId}/requests/${requestId}`, { actor, body, headers });
    const keyOf = async (eventId: string, requestId: string) => {
      const { nowPerforming, upNext } = await rotation(eventId);
      return [nowPerforming, ...upNext].find((turn) => turn?.requestId === requestId)?.keyChange;
    };

    it('lets the KJ and the request’s own singer change it, logged as KeyChanged, the turn keeping its place', async () => {
      const kj = person('kj');
      const [ada, bob] = [person('singer'), person('singer')];
      const night = await open(kj);
      const first = await request(night.id, ada, 'A');
      const second = await request(night.id, bob, 'B', { keyChange: 2 });
      const seen = await rotation(night.id);

      const byKj = await json<Rotation>(
        await changeKey(
          night.id,
          second.requestId,
          kj,
          { keyChange: -3 },
          { 'if-match': `"${seen.version}"` },
        ),
        200,
      );
      expect(byKj.version).toBe(seen.version + 1);
      expect(byKj.upNext.map((turn) => [turn.requestId, turn.keyChange])).toEqual([
        [first.requestId, 0],
        [second.requestId, -3],
      ]);
      const bySinger = await json<Rotation>(
        await changeKey(night.id, second.requestId, bob, { keyChange: 6 }),
        200,
      );
      expect(bySinger.upNext[1]?.keyChange).toBe(6);
      const log = await logOf(night.id);
      expect(log.slice(-2).map((entry) => [entry.type, entry.data.keyChange])).toEqual([
        ['KeyChanged', -3],
        ['KeyChanged', 6],
      ]);
      // The same key again changes nothing and logs nothing.
      await json(await changeKey(night.id, second.requestId, bob, { keyChange: 6 }), 200);
      expect(await logOf(night.id)).toHaveLength(log.length);
      expect(await json(await send('POST', `/events/${night.id}/rebuild`), 200)).toEqual({ changed: false });
    });

    it('refuses another singer (403), a song on stage or withdrawn (409), a stale If-Match (412), writing nothing', async () => {
      const kj = person('kj');
      const [ada, bob, cat] = [person('singer'), person('singer'), person('singer')];
      const night = await open(kj);
      const onStage = await request(night.id, ada, 'A');
      const waiting = await request(night.id, bob, 'B');
      const withdrawn = await request(night.id, cat, 'C');
      await send('DELETE', `/events/${night.id}/requests/${withdrawn.requestId}`, { actor: cat });
      const seen = await rotation(night.id);
      await send('POST', `/events/${night.id}/rotation/advance`, { actor: kj });
      const before = (await logOf(night.id)).length;

      const refusals: Array<[Response, number, RegExp]> = [
        [await changeKey(night.id, waiting.requestId, ada, { keyChange: 1 }), 403, /singer who made/],
        [await changeKey(night.id, onStage.requestId, kj, { keyChange: 1 }), 409, /on stage/],
        [await changeKey(night.id, onStage.requestId, ada, { keyChange: 1 }), 409, /on stage/],
        [await changeKey(night.id, withdrawn.requestId, cat, { keyChange: 1 }), 409, /withdrawn/],
        [await changeKey(night.id, randomUUID(), kj, { keyChange: 1 }), 404, /No request/],
        [
          await changeKey(
            night.id,
            waiting.requestId,
            kj,
            { keyChange: 1 },
            { 'if-match': `"${seen.version}"` },
          ),
          412,
          /reload/,
        ],
      ];
      for (const [response, status, message] of refusals) {
        const body = await response.text();
        expect(response.status, body).toBe(status);
        expect(body).toMatch(message);
      }
      expect(await logOf(night.id)).toHaveLength(before);
      expect(await keyOf(night.id, waiting.requestId)).toBe(0);
      expect(await keyOf(night.id, onStage.requestId)).toBe(0);
    });

    it('refuses a key of 7, "x", 1.5, none, an extra field, or a garbage If-Match with a 400', async () => {
      const kj = person('kj');
      const night = await open(kj);
      const made = await request(night.id, person('singer'), 'A');
      const before = (await logOf(night.id)).length;
      const bodies: unknown[] = [
        { keyChange: 7 },
        { keyChange: -7 },
        { keyChange: 'x' },
        { keyChange: 1.5 },
        { keyChange: null },
        {},
        { keyChange: 1, requestId: randomUUID() },
        [1],
        '{"keyChange":',
      ];
      for (const body of bodies) {
        const response = await changeKey(night.id, made.requestId, kj, body);
        expect(response.status, JSON.stringify(body)).toBe(400);
        expect(response.headers.get('content-type')).toContain('application/problem+json');
      }
      const garbage = await changeKey(
        night.id,
        made.requestId,
        kj,
        { keyChange: 1 },
        { 'if-match': 'garbage' },
      );
      expect(garbage.status).toBe(400);
      const badId = await send('PATCH', `/events/${night.id}/requests/not-a-uuid`, {
        actor: kj,
        body: { keyChange: 1 },
      });
      expect(badId.status).toBe(400);
      expect(await logOf(night.id)).toHaveLength(before);
    });
  });

  it('refuses a request beyond the night’s limit per singer with a 409 that says the limit', async () => {
    const kj = person('kj');
    const night = await open(kj, { maxQueuedPerSinger: 2 });
    const ada = person('singer');
    await request(night.id, ada, 'A');
    await request(night.id, ada, 'B');
    const third = await send('POST', `/events/${night.id}/requests`, {
      actor: ada,
      body: { ...song('C'), stageName: 'Ada' },
    });
    expect(third.status).toBe(409);
    expect(((await third.json()) as { detail: string }).detail).toMatch(/2/);
  });

  describe('refuses bad input with a clear 4xx and writes nothing', () => {
    const cases: Array<[string, () => Response | Promise<Response>, number]> = [
      ['no actor', () => send('POST', '/events', { body: { name: 'x' } }), 401],
      [
        'an actor id that is not a uuid',
        () => send('POST', '/events', { body: { name: 'x' }, headers: { 'x-actor-id': "1' OR 1=1" } }),
        401,
      ],
      ['malformed JSON', () => send('POST', '/events', { actor: person('kj'), body: '{"name":' }), 400],
      [
        'an unknown field',
        () => send('POST', '/events', { actor: person('kj'), body: { name: 'x', admin: true } }),
        400,
      ],
      [
        'a name of control characters',
        () => send('POST', '/events', { actor: person('kj'), body: { name: '\u0000\u001b[2J' } }),
        400,
      ],
      [
        'a name of 10k characters',
        () => send('POST', '/events', { actor: person('kj'), body: { name: 'x'.repeat(10_000) } }),
        413,
      ],
      [
        'an unknown fairness',
        () => send('POST', '/events', { actor: person('kj'), body: { name: 'x', fairness: 'random' } }),
        400,
      ],
      [
        'a limit of 0',
        () => send('POST', '/events', { actor: person('kj'), body: { name: 'x', maxQueuedPerSinger: 0 } }),
        400,
      ],
      ['an event id that is not a uuid', () => send('GET', '/events/..%2F..%2Fetc'), 400],
      ['an unknown event', () => send('GET', `/events/${randomUUID()}/rotation`), 404],
      [
        'a request to an unknown event',
        () =>
          send('POST', `/events/${randomUUID()}/requests`, {
            actor: person('singer'),
            body: { ...song('A'), stageName: 'A' },
          }),
        404,
      ],
    ];
    it.each(cases)('%s', async (_, call, status) => {
      const before = await eventCount();
      const response = await call();
      expect(response.status).toBe(status);
      expect(response.headers.get('content-type')).toContain('application/problem+json');
      expect(await response.text()).not.toMatch(/at .*\.ts:\d+|stack/i);
      expect(await eventCount()).toBe(before);
    });

    it('a key change outside −6…+6, a garbage If-Match, a move to a negative position', async () => {
      const kj = person('kj');
      const night = await open(kj);
      const ada = person('singer');
      await request(night.id, ada, 'A');
      const before = await eventCount();
      const answers = await Promise.all([
        send('POST', `/events/${night.id}/requests`, {
          actor: ada,
          body: { ...song('B'), stageName: 'A', keyChange: 7 },
        }),
        send('POST', `/events/${night.id}/requests`, {
          actor: ada,
          body: { ...song('B'), stageName: 'A', keyChange: 1.5 },
        }),
        send('POST', `/events/${night.id}/rotation/advance`, {
          actor: kj,
          headers: { 'if-match': 'garbage' },
        }),
        send('POST', `/events/${night.id}/rotation/move`, {
          actor: kj,
          body: { singerId: ada.id, position: -1 },
        }),
        send('POST', `/events/${night.id}/rotation/move`, {
          actor: kj,
          body: { singerId: ada.id, position: 5 },
        }),
        send('POST', `/events/${night.id}/rotation/dance`, { actor: kj }),
      ]);
      expect(answers.map((answer) => answer.status)).toEqual([400, 400, 400, 400, 400, 400]);
      expect(await eventCount()).toBe(before);
    });
  });
});
