import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { DEMO_USERS } from '#scripts/local/oidc-provider';
import { type LocalServer, startLocalServer } from '#scripts/local/server';
import { issueLocalAccessToken } from '#scripts/token';
import { freePort } from '../support/child.ts';
import {
  FAIR_NIGHT,
  type Guest,
  MAX_QUEUED_PER_SINGER,
  modelRequest,
  NEWCOMERS_NIGHT,
  type Step,
  type Who,
} from '../support/karaoke-night-scripts.ts';
import {
  createRotationModel,
  type Fairness,
  type ModelRequest,
  turnLengthMs,
} from '../support/rotation-model.ts';

/**
 * A whole karaoke night over HTTP, checked after every step against an independent model of the
 * rotation rule (test/support/rotation-model.ts). The night is a script
 * (test/support/karaoke-night-scripts.ts): a unit test plays the same script on the model alone
 * (services/rotations/domain/rotation.model.test.ts), so a script that strays into a corner of the
 * rule fails without a server.
 */

interface Turn {
  requestId: string;
  singerId: string;
  stageName: string;
  songId: string;
  title: string;
  artist: string;
  keyChange: number;
  estimatedStartAt: string | number;
}
interface RotationBody {
  eventId: string;
  version: number | string;
  nowPerforming: Turn | null;
  upNext: Turn[];
  singers: unknown[];
}
interface EventBody {
  id: string;
  name: string;
  kjId: string;
  fairness: string;
  maxQueuedPerSinger: number;
  publicDisplay: boolean;
  closed: boolean;
  version: number | string;
}

const subOf = (username: string): string => {
  const sub = DEMO_USERS.find((user) => user.username === username)?.sub;
  if (!sub) throw new Error(`no demo user ${username}`);
  return sub;
};
const toMs = (value: string | number): number => (typeof value === 'number' ? value : Date.parse(value));
const guestName = (who: Guest) => who.slice('guest:'.length);
const isGuest = (who: Who): who is Guest => who.startsWith('guest:');

describe('a karaoke night over HTTP, step by step against the model', () => {
  let server: LocalServer;
  const tokens = new Map<string, { token: string; at: number }>();

  beforeAll(async () => {
    server = await startLocalServer(
      {
        ...inject('localEnv'),
        // Every step reads the rotation back; other test files share the demo users' buckets.
        RATE_LIMIT_USER_PER_MINUTE: '100000',
        RATE_LIMIT_ANONYMOUS_PER_MINUTE: '100000',
      },
      await freePort(),
    );
  });

  afterAll(async () => {
    await server?.close();
  });

  /** A Bearer token for a demo user, renewed well before its 15 minutes run out. */
  const tokenFor = async (username: string): Promise<string> => {
    const cached = tokens.get(username);
    if (cached && Date.now() - cached.at < 10 * 60_000) return cached.token;
    const token = await issueLocalAccessToken(server.oidcIssuer, username);
    tokens.set(username, { token, at: Date.now() });
    return token;
  };

  const api = async (path: string, as: string | null, init: RequestInit = {}) =>
    fetch(`${server.url}/api${path}`, {
      ...init,
      headers: {
        'content-type': 'application/json',
        ...(as ? { authorization: `Bearer ${await tokenFor(as)}` } : {}),
        ...(init.headers as Record<string, string> | undefined),
      },
    });

  const json = async <T>(response: Response, status: number, what: string): Promise<T> => {
    const text = await response.text();
    expect(response.status, `${what}: ${text.slice(0, 500)}`).toBe(status);
    return JSON.parse(text) as T;
  };

  const songs = new Map<string, { title: string; artist: string }>();
  const createSong = async (durationMs: number | null): Promise<string> => {
    const title = `Night Song ${randomUUID()}`;
    const artist = 'The Rotation Checkers';
    const created = await api('/songs', 'curator', {
      method: 'POST',
      body: JSON.stringify({ title, artist, ...(durationMs === null ? {} : { durationMs }) }),
    });
    const song = await json<{ id: string }>(created, 201, 'create a song');
    songs.set(song.id, { title, artist });
    return song.id;
  };

  const openEvent = async (fairness: Fairness, publicDisplay: boolean): Promise<EventBody> => {
    const name = `Night ${randomUUID().slice(0, 8)}`;
    const created = await api('/events', 'kj', {
      method: 'POST',
      body: JSON.stringify({ name, fairness, maxQueuedPerSinger: MAX_QUEUED_PER_SINGER, publicDisplay }),
    });
    const event = await json<EventBody>(created, 201, 'create an event');
    expect(event).toMatchObject({
      name,
      kjId: subOf('kj'),
      fairness,
      maxQueuedPerSinger: MAX_QUEUED_PER_SINGER,
      publicDisplay,
      closed: false,
    });
    return event;
  };

  const closeEvent = async (eventId: string) => {
    const closed = await api(`/events/${eventId}/close`, 'kj', { method: 'POST' });
    expect(closed.status).toBe(200);
    await closed.body?.cancel();
  };

  const readRotation = async (eventId: string, as: string | null = 'kj') => {
    const response = await api(`/events/${eventId}/rotation`, as);
    const body = await json<RotationBody>(response, 200, 'read the rotation');
    expect(response.headers.get('etag')).toBe(`"${body.version}"`);
    return body;
  };

  /**
   * Plays a script against a fresh event and the model side by side, comparing after every step.
   * Returns the number of steps compared.
   */
  const playNight = async (fairness: Fairness, script: Step[]): Promise<number> => {
    const event = await openEvent(fairness, false);
    const model = createRotationModel(fairness);
    const requestIds = new Map<string, string>();
    const requestOwner = new Map<string, Who>();
    const singerIds = new Map<Who, string>();
    let version: RotationBody['version'] = (await readRotation(event.id)).version;
    /** Client clock around the call that started the turn now performing. */
    let startedWithin: { from: number; to: number } | null = null;
    let compared = 0;

    const expectMatchesModel = (where: string, body: RotationBody) => {
      const expectedNow = model.expectedNowPerforming();
      const expectedNext = model.expectedUpNext();
      expect(body.eventId, where).toBe(event.id);
      const shape = (turn: ModelRequest | Turn) => ({
        requestId: turn.requestId,
        singerId: turn.singerId,
        songId: turn.songId,
        keyChange: turn.keyChange,
      });
      expect(body.nowPerforming && shape(body.nowPerforming), `${where}: now performing`).toEqual(
        expectedNow && shape(expectedNow),
      );
      expect(body.upNext.map(shape), `${where}: up next`).toEqual(expectedNext.map(shape));

      for (const turn of [...(body.nowPerforming ? [body.nowPerforming] : []), ...body.upNext]) {
        expect(songs.get(turn.songId), `${where}: song of ${turn.requestId}`).toEqual({
          title: turn.title,
          artist: turn.artist,
        });
        const who = [...singerIds].find(([, id]) => id === turn.singerId)?.[0];
        if (who && isGuest(who)) expect(turn.stageName, where).toBe(guestName(who));
        else expect(turn.stageName, where).toEqual(expect.any(String));
      }

      const starts = body.upNext.map((turn) => toMs(turn.estimatedStartAt));
      for (let index = 0; index + 1 < starts.length; index++) {
        expect(
          (starts[index + 1] as number) - (starts[index] as number),
          `${where}: estimated start of up next #${index + 1} after #${index}`,
        ).toBe(turnLengthMs(expectedNext[index] as ModelRequest));
      }
      if (expectedNow && startedWithin && starts.length > 0) {
        const afterNow = turnLengthMs(expectedNow);
        const first = starts[0] as number;
        const slackMs = 1000;
        expect(first, `${where}: estimated start of up next #0`).toBeGreaterThanOrEqual(
          startedWithin.from + afterNow - slackMs,
        );
        expect(first, `${where}: estimated start of up next #0`).toBeLessThanOrEqual(
          startedWithin.to + afterNow + slackMs,
        );
      }
    };

    /** Reads the rotation after a write: a new version, and exactly what the model expects. */
    const expectStep = async (where: string, written?: Response) => {
      const body = await readRotation(event.id);
      expect(body.version, `${where}: version after a write`).not.toEqual(version);
      version = body.version;
      expectMatchesModel(where, body);
      if (written) {
        const writtenBody = await json<RotationBody>(written, 200, where);
        expect(written.headers.get('etag'), `${where}: ETag of the write`).toBe(`"${writtenBody.version}"`);
        expect(writtenBody.version, `${where}: version of the write`).toEqual(body.version);
        expectMatchesModel(`${where} (its response)`, writtenBody);
      }
      compared++;
    };

    const personOf = (who: Who): string => (isGuest(who) ? 'kj' : who);

    for (const [index, step] of script.entries()) {
      const where = `step ${index + 1} (${step.do}${'ref' in step ? ` ${step.ref}` : ''}${'who' in step ? ` ${step.who}` : ''})`;
      if (step.do === 'request') {
        const songId = await createSong(step.durationMs);
        const body = isGuest(step.who)
          ? {
              songId,
              guestName: guestName(step.who),
              ...(step.keyChange ? { keyChange: step.keyChange } : {}),
            }
          : { songId, ...(step.keyChange ? { keyChange: step.keyChange } : {}) };
        const made = await api(`/events/${event.id}/requests`, personOf(step.who), {
          method: 'POST',
          body: JSON.stringify(body),
        });
        const made201 = await json<{
          requestId: string;
          eventId: string;
          singerId: string;
          songId: string;
          keyChange: number;
        }>(made, 201, where);
        expect(made201, where).toMatchObject({ eventId: event.id, songId, keyChange: step.keyChange ?? 0 });
        if (!isGuest(step.who)) expect(made201.singerId, where).toBe(subOf(step.who));
        const known = singerIds.get(step.who);
        if (known) expect(made201.singerId, `${where}: the same singer as before`).toBe(known);
        singerIds.set(step.who, made201.singerId);
        requestIds.set(step.ref, made201.requestId);
        requestOwner.set(step.ref, step.who);
        model.request(
          modelRequest(
            step,
            made201.requestId,
            made201.singerId,
            isGuest(step.who) ? guestName(step.who) : step.who,
            songId,
          ),
        );
        await expectStep(where);
      } else if (step.do === 'withdraw') {
        const requestId = requestIds.get(step.ref) as string;
        const by = step.by === 'kj' ? 'kj' : personOf(requestOwner.get(step.ref) as Who);
        const removed = await api(`/events/${event.id}/requests/${requestId}`, by, { method: 'DELETE' });
        expect(removed.status, `${where}: ${await removed.text()}`).toBe(204);
        model.withdraw(requestId);
        await expectStep(where);
      } else if (step.do === 'key') {
        const requestId = requestIds.get(step.ref) as string;
        const by = step.by === 'kj' ? 'kj' : personOf(requestOwner.get(step.ref) as Who);
        const changed = await api(`/events/${event.id}/requests/${requestId}`, by, {
          method: 'PATCH',
          headers: { 'if-match': `"${version}"` },
          body: JSON.stringify({ keyChange: step.keyChange }),
        });
        model.changeKey(requestId, step.keyChange);
        await expectStep(where, changed);
      } else if (step.do === 'move') {
        const singerId = singerIds.get(step.who) as string;
        const moved = await api(`/events/${event.id}/rotation/move`, 'kj', {
          method: 'POST',
          headers: { 'if-match': `"${version}"` },
          body: JSON.stringify({ singerId, position: step.position }),
        });
        model.move(singerId, step.position);
        await expectStep(where, moved);
      } else {
        const from = Date.now();
        const written = await api(`/events/${event.id}/rotation/${step.do}`, 'kj', { method: 'POST' });
        const to = Date.now();
        if (step.do === 'advance') model.advance();
        else model.skip();
        startedWithin = { from, to };
        await expectStep(where, written);
      }
    }
    await closeEvent(event.id);
    return compared;
  };

  it('follows the rotation rule at every step of a fair night with 30 advances', {
    timeout: 20 * 60_000,
  }, async () => {
    const compared = await playNight('fair', FAIR_NIGHT);
    expect(compared).toBe(FAIR_NIGHT.length);
    console.log(`fair night: ${compared} steps compared with the model`);
  });

  it('follows the rotation rule at every step of a newcomers-first night', {
    timeout: 10 * 60_000,
  }, async () => {
    const compared = await playNight('newcomers-first', NEWCOMERS_NIGHT);
    expect(compared).toBe(NEWCOMERS_NIGHT.length);
    console.log(`newcomers-first night: ${compared} steps compared with the model`);
  });

  /** An event with three singers waiting and the first one performing. */
  const busyEvent = async (publicDisplay = false) => {
    const event = await openEvent('fair', publicDisplay);
    for (const singer of ['singer1', 'singer2', 'singer3'] as const) {
      const songId = await createSong(200_000);
      const made = await api(`/events/${event.id}/requests`, singer, {
        method: 'POST',
        body: JSON.stringify({ songId }),
      });
      expect(made.status).toBe(201);
      await made.body?.cancel();
    }
    const started = await api(`/events/${event.id}/rotation/advance`, 'kj', { method: 'POST' });
    expect(started.status).toBe(200);
    await started.body?.cancel();
    return event;
  };

  it('refuses a write with a stale If-Match with 412 and changes nothing', async () => {
    const event = await busyEvent();
    const before = await readRotation(event.id);
    const moved = await api(`/events/${event.id}/rotation/move`, 'kj', {
      method: 'POST',
      headers: { 'if-match': `"${before.version}"` },
      body: JSON.stringify({ singerId: subOf('singer3'), position: 0 }),
    });
    expect(moved.status).toBe(200);
    await moved.body?.cancel();
    const current = await readRotation(event.id);
    expect(current.version).not.toEqual(before.version);

    for (const action of ['advance', 'skip', 'move'] as const) {
      const stale = await api(`/events/${event.id}/rotation/${action}`, 'kj', {
        method: 'POST',
        headers: { 'if-match': `"${before.version}"` },
        ...(action === 'move' ? { body: JSON.stringify({ singerId: subOf('singer2'), position: 0 }) } : {}),
      });
      expect(stale.status, action).toBe(412);
      expect(stale.headers.get('content-type'), action).toBe('application/problem+json');
      await stale.body?.cancel();
      expect(await readRotation(event.id), `after a stale ${action}`).toEqual(current);
    }
    await closeEvent(event.id);
  });

  it('changes the key of a waiting request for its singer or the KJ, and refuses everyone else', async () => {
    const event = await busyEvent();
    const before = await readRotation(event.id);
    const [onStage, second, third] = [before.nowPerforming, ...before.upNext];
    if (!onStage || !second || !third) throw new Error('a busy night has three turns');
    const upcomingKeyOf = async (as: string) => {
      const me = await json<{ upcomingTurns: { status: string; data: Array<{ turn: Turn }> } }>(
        await api('/me', as),
        200,
        'read /me',
      );
      return me.upcomingTurns.data.find((upcoming) => upcoming.turn.requestId === second.requestId)?.turn
        .keyChange;
    };
    expect(await upcomingKeyOf('singer2')).toBe(0);
    const changeKey = (requestId: string, as: string, body: unknown, ifMatch?: string) =>
      api(`/events/${event.id}/requests/${requestId}`, as, {
        method: 'PATCH',
        headers: ifMatch === undefined ? {} : { 'if-match': ifMatch },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });

    const own = await changeKey(second.requestId, 'singer2', { keyChange: -2 }, `"${before.version}"`);
    const afterOwn = await json<RotationBody>(own, 200, 'a singer changes their own key');
    expect(own.headers.get('etag')).toBe(`"${afterOwn.version}"`);
    // Every reader sees it at once: the rotation and /me were cached, and the write invalidated both.
    expect((await readRotation(event.id)).upNext[0]).toMatchObject({
      requestId: second.requestId,
      keyChange: -2,
    });
    expect(await upcomingKeyOf('singer2')).toBe(-2);
    const byKj = await changeKey(third.requestId, 'kj', { keyChange: 5 });
    await json<RotationBody>(byKj, 200, 'the KJ changes a singer’s key');
    const current = await readRotation(event.id);
    expect(current.upNext.map((turn) => [turn.requestId, turn.keyChange])).toEqual([
      [second.requestId, -2],
      [third.requestId, 5],
    ]);

    const refusals: Array<[string, () => Promise<Response>, number]> = [
      ['another singer', () => changeKey(second.requestId, 'singer3', { keyChange: 1 }), 403],
      ['anonymous', () => changeKey(second.requestId, '', { keyChange: 1 }), 401],
      ['the song on stage', () => changeKey(onStage.requestId, 'singer1', { keyChange: 1 }), 409],
      [
        'a stale If-Match',
        () => changeKey(second.requestId, 'kj', { keyChange: 1 }, `"${before.version}"`),
        412,
      ],
      ['a key of 7', () => changeKey(second.requestId, 'kj', { keyChange: 7 }), 400],
      ['a key of "x"', () => changeKey(second.requestId, 'kj', { keyChange: 'x' }), 400],
      ['no key', () => changeKey(second.requestId, 'kj', {}), 400],
      [
        'an extra field',
        () => changeKey(second.requestId, 'kj', { keyChange: 1, singerId: subOf('kj') }),
        400,
      ],
      [
        'a body of 300 kB',
        () => changeKey(second.requestId, 'kj', `{"keyChange":1,"x":"${'x'.repeat(300_000)}"}`),
        413,
      ],
    ];
    for (const [what, call, status] of refusals) {
      const refused = await call();
      expect(refused.status, what).toBe(status);
      expect(refused.headers.get('content-type'), what).toBe('application/problem+json');
      await refused.body?.cancel();
    }
    expect(await readRotation(event.id)).toEqual(current);
    const withdrawn = await api(`/events/${event.id}/requests/${third.requestId}`, 'singer3', {
      method: 'DELETE',
    });
    expect(withdrawn.status).toBe(204);
    const late = await changeKey(third.requestId, 'singer3', { keyChange: 0 });
    expect(late.status).toBe(409);
    expect(await late.text()).toMatch(/withdrawn/);
    await closeEvent(event.id);
  });

  it('reads If-Match as RFC 9110 says: *, a list naming the current ETag; never its weak form', async () => {
    const event = await busyEvent();
    const move = (ifMatch: string) =>
      api(`/events/${event.id}/rotation/move`, 'kj', {
        method: 'POST',
        headers: { 'if-match': ifMatch },
        body: JSON.stringify({ singerId: subOf('singer3'), position: 0 }),
      });
    const answered = async (ifMatch: string) => {
      const response = await move(ifMatch);
      await response.body?.cancel();
      return response.status;
    };
    const { version } = await readRotation(event.id);
    expect(await answered(`W/"${version}"`)).toBe(412);
    expect(await answered(`"abc", W/"${version}"`)).toBe(412);
    expect((await readRotation(event.id)).version).toBe(version);
    expect(await answered(`"abc", "${version}"`)).toBe(200);
    expect(await answered('*')).toBe(200);
    await closeEvent(event.id);
  });

  it('answers a read with the current ETag in If-None-Match with 304, and a changed one with 200', async () => {
    const event = await busyEvent();
    const first = await api(`/events/${event.id}/rotation`, 'kj');
    const etag = first.headers.get('etag') as string;
    await first.body?.cancel();
    const unchanged = await api(`/events/${event.id}/rotation`, 'kj', { headers: { 'if-none-match': etag } });
    expect(unchanged.status).toBe(304);
    expect(await unchanged.text()).toBe('');

    const advanced = await api(`/events/${event.id}/rotation/advance`, 'kj', { method: 'POST' });
    expect(advanced.status).toBe(200);
    await advanced.body?.cancel();
    const changed = await api(`/events/${event.id}/rotation`, 'kj', { headers: { 'if-none-match': etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    await changed.body?.cancel();
    await closeEvent(event.id);
  });

  it('lets only the KJ run the rotation: a singer who tries gets 403 and nothing moves', async () => {
    const event = await busyEvent();
    const before = await readRotation(event.id);
    for (const action of ['advance', 'skip', 'move'] as const) {
      const refused = await api(`/events/${event.id}/rotation/${action}`, 'singer2', {
        method: 'POST',
        ...(action === 'move' ? { body: JSON.stringify({ singerId: subOf('singer2'), position: 0 }) } : {}),
      });
      expect(refused.status, action).toBe(403);
      expect(refused.headers.get('content-type'), action).toBe('application/problem+json');
      await refused.body?.cancel();
    }
    expect(await readRotation(event.id)).toEqual(before);
    await closeEvent(event.id);
  });

  it('shows a public display to anonymous readers and keeps other rotations behind sign-in', async () => {
    const hidden = await busyEvent(false);
    const anonymous = await api(`/events/${hidden.id}/rotation`, null);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('content-type')).toBe('application/problem+json');
    await anonymous.body?.cancel();

    const shown = await busyEvent(true);
    const display = await readRotation(shown.id, null);
    expect(display).toEqual(await readRotation(shown.id, 'kj'));
    expect(display.nowPerforming?.singerId).toBe(subOf('singer1'));
    await closeEvent(hidden.id);
    await closeEvent(shown.id);
  });
});
