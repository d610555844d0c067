import { randomUUID } from 'node:crypto';
import {
  DeleteMessageBatchCommand,
  type Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { awsClientConfig } from '#lib/aws';
import { pgDb } from '#lib/db/pg';
import { type Db, sql } from '#lib/db/port';
import { DEMO_USERS } from '#scripts/local/oidc-provider';
import { type LocalServer, startLocalServer } from '#scripts/local/server';
import { startLocalSync } from '#scripts/local/sync';
import { issueLocalAccessToken } from '#scripts/token';
import { freePort } from '../support/child.ts';
import { eventually } from '../support/sync-fixture.ts';

/**
 * What a singer sees of karaoke nights at `/api/me` (turns to come, performances sung) and the
 * "you're up next" notifications, over HTTP on the local stack with the change chain running:
 * outbox → SNS → SQS → the performances recorder and the cache invalidator, and the
 * notifications topic's local subscriber queue.
 */

type User = 'kj' | 'curator' | 'singer2' | 'singer3' | 'singer4';
type Singer = Extract<User, `singer${number}`>;

type Part<T> = { status: 'ok'; data: T } | { status: 'unavailable' };

interface Turn {
  requestId: string;
  singerId: string;
  stageName: string;
  songId: string;
  title: string;
  artist: string;
  keyChange: number;
  estimatedStartAt: string;
}
interface RotationBody {
  eventId: string;
  version: number;
  nowPerforming: Turn | null;
  upNext: Turn[];
}
interface UpcomingTurn {
  eventId: string;
  eventName: string;
  position: number;
  turn: Turn;
}
interface PerformanceBody {
  requestId: string;
  singerId: string;
  eventId: string;
  songId: string;
  title: string;
  artist: string;
  keyChange: number;
  startedAt: string;
  endedAt: string;
}
interface MeBody {
  id: string;
  upcomingTurns: Part<UpcomingTurn[]>;
  recentPerformances: Part<PerformanceBody[]>;
}
interface UpNextNotification {
  type: string;
  singerId: string;
  eventId: string;
  estimatedStartAt: string;
  notificationId: string;
}

/** How soon a finished turn must show in the singer's history: the chain is asynchronous. */
const CHAIN_WITHIN_MS = 10_000;

const subOf = (username: string): string => {
  const sub = DEMO_USERS.find((user) => user.username === username)?.sub;
  if (!sub) throw new Error(`no demo user ${username}`);
  return sub;
};

/** The log sequence number of a notification: its id is the log entry, `<eventId>:<seq>`. */
const seqOf = (notification: UpNextNotification) => Number(notification.notificationId.split(':')[1]);

/**
 * The notifications topic's local subscriber queue, read for this file's nights only. Other test
 * files publish there at the same time: their messages are received and left alone (visible again
 * a second later), ours are kept and deleted.
 */
function notificationInbox(sqs: SQSClient, queueUrl: string) {
  const nights = new Set<string>();
  const received = new Map<string, UpNextNotification>();
  const eventIdOf = (message: Message) => {
    try {
      return String((JSON.parse(message.Body ?? '{}') as { eventId?: unknown }).eventId);
    } catch {
      return '';
    }
  };

  /** Receives until the queue has nothing left to show: every message in it was seen once. */
  async function sweep(): Promise<void> {
    for (let receives = 1; ; receives++) {
      const { Messages = [] } = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: queueUrl,
          MaxNumberOfMessages: 10,
          // Others' messages come back after a second; a queue so deep that one pass takes longer
          // hides them a little longer, or the pass would never reach its end.
          VisibilityTimeout: Math.min(1 + Math.floor(receives / 50), 10),
          WaitTimeSeconds: 0,
        }),
      );
      if (Messages.length === 0) return;
      const ours = Messages.filter((message) => nights.has(eventIdOf(message)));
      if (ours.length === 0) continue;
      for (const message of ours) {
        received.set(message.MessageId as string, JSON.parse(message.Body as string) as UpNextNotification);
      }
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: queueUrl,
          Entries: ours.map((message, index) => ({
            Id: String(index),
            ReceiptHandle: message.ReceiptHandle as string,
          })),
        }),
      );
    }
  }

  return {
    watch(eventId: string) {
      nights.add(eventId);
    },
    sweep,
    /** What arrived for a night so far, in the order of its log (SQS keeps no order). */
    of(eventId: string): UpNextNotification[] {
      return [...received.values()]
        .filter((notification) => notification.eventId === eventId)
        .sort((a, b) => seqOf(a) - seqOf(b));
    },
  };
}

describe('karaoke nights at /api/me, and up-next notifications, with the change chain running', () => {
  let server: LocalServer;
  let sync: { stop(): Promise<void> };
  let db: Db;
  let sqs: SQSClient;
  let inbox: ReturnType<typeof notificationInbox>;
  const tokens = new Map<User, string>();
  const nightsToClose = new Set<string>();
  const songs = new Map<string, { title: string; artist: string }>();

  beforeAll(async () => {
    const env = inject('localEnv');
    server = await startLocalServer(
      {
        ...env,
        RATE_LIMIT_USER_PER_MINUTE: '100000',
        RATE_LIMIT_ANONYMOUS_PER_MINUTE: '100000',
        // The machine is shared with the whole stack: a slow part must not turn into `unavailable`.
        ME_PART_TIMEOUT_MS: '15000',
      },
      await freePort(),
    );
    sync = await startLocalSync({ env });
    db = pgDb({ connectionString: env.DATABASE_URL as string, maxConnections: 2 });
    sqs = new SQSClient(
      awsClientConfig({ AWS_REGION: env.AWS_REGION as string, AWS_ENDPOINT_URL: env.AWS_ENDPOINT_URL }),
    );
    inbox = notificationInbox(sqs, env.NOTIFICATIONS_OUTBOX_QUEUE_URL as string);
    await Promise.all(
      (['kj', 'curator', 'singer2', 'singer3', 'singer4'] as const).map(async (user) => {
        tokens.set(user, await issueLocalAccessToken(server.oidcIssuer, user));
      }),
    );
  });

  afterAll(async () => {
    if (server) {
      await Promise.all(
        [...nightsToClose].map(async (id) =>
          (await api(`/events/${id}/close`, 'kj', { method: 'POST' })).body?.cancel(),
        ),
      );
    }
    sqs?.destroy();
    await sync?.stop();
    await db?.close();
    await server?.close();
  });

  const api = (path: string, as: User, init: RequestInit = {}) =>
    fetch(`${server.url}/api${path}`, {
      ...init,
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${tokens.get(as)}`,
        ...(init.headers as Record<string, string> | undefined),
      },
    });

  const answer = async <T>(response: Response, status: number, what: string): Promise<T> => {
    const text = await response.text();
    expect(response.status, `${what}: ${text.slice(0, 500)}`).toBe(status);
    return JSON.parse(text) as T;
  };

  const createSong = async (durationMs: number): Promise<string> => {
    const title = `Me Night Song ${randomUUID()}`;
    const artist = 'The Upcoming Turns';
    const created = await api('/songs', 'curator', {
      method: 'POST',
      body: JSON.stringify({ title, artist, durationMs }),
    });
    const song = await answer<{ id: string }>(created, 201, 'create a song');
    songs.set(song.id, { title, artist });
    return song.id;
  };

  const me = async (as: Singer): Promise<MeBody> => {
    const body = await answer<MeBody>(await api('/me', as), 200, `/api/me as ${as}`);
    expect(body.id).toBe(subOf(as));
    return body;
  };

  const turnsAt = async (as: Singer, eventId: string): Promise<UpcomingTurn[]> => {
    const { upcomingTurns } = await me(as);
    if (upcomingTurns.status !== 'ok') throw new Error(`upcomingTurns of ${as}: ${upcomingTurns.status}`);
    return upcomingTurns.data.filter((upcoming) => upcoming.eventId === eventId);
  };

  const recentPerformances = async (as: Singer): Promise<PerformanceBody[]> => {
    const { recentPerformances } = await me(as);
    if (recentPerformances.status !== 'ok') {
      throw new Error(`recentPerformances of ${as}: ${recentPerformances.status}`);
    }
    return recentPerformances.data;
  };

  /**
   * A night run by the demo KJ. After every write it reads the rotation and works out, from what
   * it shows, who should have been told they are up next: whoever becomes first of up next, unless
   * they were already told and still are. Being told ends when the singer's turn starts or is
   * skipped, or someone else becomes next up; so a singer is told again each time they become
   * next up anew.
   */
  const openNight = async (name: string) => {
    const created = await api('/events', 'kj', {
      method: 'POST',
      body: JSON.stringify({ name, fairness: 'fair' }),
    });
    const event = await answer<{ id: string; name: string }>(created, 201, 'open a night');
    const eventId = event.id;
    nightsToClose.add(eventId);
    inbox.watch(eventId);

    const expectedNotices: Array<{ after: string; singerId: string; estimatedStartAt: string }> = [];
    let told: string | null = null;
    let onStage: string | null = null;
    let version = 0;

    const rotation = async (as: User = 'kj') => {
      const response = await api(`/events/${eventId}/rotation`, as);
      const body = await answer<RotationBody>(response, 200, `the rotation as ${as}`);
      expect(response.headers.get('etag')).toBe(`"${body.version}"`);
      return body;
    };

    const observe = async (after: string, skippedSinger?: string) => {
      const now = await rotation();
      expect(now.version, `${after}: a new version`).toBeGreaterThan(version);
      version = now.version;
      const started = now.nowPerforming && now.nowPerforming.requestId !== onStage ? now.nowPerforming : null;
      onStage = now.nowPerforming?.requestId ?? null;
      if (told !== null && (started?.singerId === told || skippedSinger === told)) told = null;
      const next = now.upNext[0];
      if (!next) told = null;
      else if (next.singerId !== told) {
        told = next.singerId;
        expectedNotices.push({ after, singerId: next.singerId, estimatedStartAt: next.estimatedStartAt });
      }
      return now;
    };

    const act = async (action: 'advance' | 'skip' | 'move', body?: unknown) => {
      const before = await rotation();
      const response = await api(`/events/${eventId}/rotation/${action}`, 'kj', {
        method: 'POST',
        headers: { 'if-match': `"${before.version}"` },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      await answer<RotationBody>(response, 200, action);
      return observe(action, action === 'skip' ? before.nowPerforming?.singerId : undefined);
    };

    return {
      id: eventId,
      name: event.name,
      expectedNotices,
      rotation,
      async request(as: Singer, songId: string, keyChange = 0): Promise<string> {
        const made = await api(`/events/${eventId}/requests`, as, {
          method: 'POST',
          body: JSON.stringify({ songId, keyChange }),
        });
        const receipt = await answer<{ requestId: string; singerId: string }>(made, 201, `${as} requests`);
        expect(receipt.singerId).toBe(subOf(as));
        await observe(`${as} requests`);
        return receipt.requestId;
      },
      advance: () => act('advance'),
      skip: () => act('skip'),
      move: (who: Singer, position: number) => act('move', { singerId: subOf(who), position }),
      async close() {
        const closed = await api(`/events/${eventId}/close`, 'kj', { method: 'POST' });
        expect(closed.status).toBe(200);
        await closed.body?.cancel();
        nightsToClose.delete(eventId);
      },
    };
  };

  const upNextLog = (eventId: string) =>
    db.query<{ seq: number; singerId: string; estimatedStartAt: string }>(
      `SELECT seq, data->>'singerId' AS "singerId", data->>'estimatedStartAt' AS "estimatedStartAt"
       FROM rotation_events WHERE event_id = :eventId AND type = 'SingerUpNext' ORDER BY seq`,
      { eventId: sql.uuid(eventId) },
    );

  const unpublishedNotices = async (eventId: string) => {
    const [row] = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM outbox
       WHERE entity = 'up-next' AND published_at IS NULL AND key LIKE :prefix`,
      { prefix: `${eventId}:%` },
    );
    return row?.n ?? 0;
  };

  it('shows a singer their turn as next up, on stage right after the KJ starts it, and the singer after them as next up', async () => {
    const night = await openNight(`Me Night Turns ${randomUUID().slice(0, 8)}`);
    const [first, second] = [await createSong(200_000), await createSong(180_000)];
    const singer2Request = await night.request('singer2', first, -2);
    const singer3Request = await night.request('singer3', second);

    expect(await turnsAt('singer2', night.id)).toEqual([
      {
        eventId: night.id,
        eventName: night.name,
        position: 1,
        turn: expect.objectContaining({
          requestId: singer2Request,
          singerId: subOf('singer2'),
          songId: first,
          ...songs.get(first),
          keyChange: -2,
          estimatedStartAt: expect.any(String),
        }),
      },
    ]);
    expect(await turnsAt('singer3', night.id)).toEqual([
      expect.objectContaining({ position: 2, turn: expect.objectContaining({ requestId: singer3Request }) }),
    ]);

    // Read right after the write: the BFF's cached copies must already be gone.
    await night.advance();
    expect(await turnsAt('singer2', night.id)).toEqual([
      expect.objectContaining({ position: 0, turn: expect.objectContaining({ requestId: singer2Request }) }),
    ]);
    expect(await turnsAt('singer3', night.id)).toEqual([
      expect.objectContaining({
        eventId: night.id,
        position: 1,
        turn: expect.objectContaining({ requestId: singer3Request, songId: second, ...songs.get(second) }),
      }),
    ]);

    await night.advance();
    expect(await turnsAt('singer2', night.id)).toEqual([]);
    expect(await turnsAt('singer3', night.id)).toEqual([expect.objectContaining({ position: 0 })]);

    await night.close();
    expect(await turnsAt('singer3', night.id)).toEqual([]);
  });

  it('shows a finished turn in recent performances within seconds, and in the history newest first to the singer and the KJ, not to another singer', async () => {
    const night = await openNight(`Me Night History ${randomUUID().slice(0, 8)}`);
    const [firstSong, otherSong, secondSong] = [
      await createSong(200_000),
      await createSong(190_000),
      await createSong(210_000),
    ];
    const firstRequest = await night.request('singer2', firstSong, 4);
    await night.request('singer3', otherSong);
    const secondRequest = await night.request('singer2', secondSong, -1);

    await night.advance(); // singer2's first song on stage
    // Cached now, before the turn ends: the chain must invalidate it.
    const before = await recentPerformances('singer2');
    expect(before.map((performance) => performance.requestId)).not.toContain(firstRequest);

    const ended = await night.advance(); // first song done, singer3 on stage
    expect(ended.nowPerforming?.singerId).toBe(subOf('singer3'));
    const expectedFirst = {
      requestId: firstRequest,
      singerId: subOf('singer2'),
      eventId: night.id,
      songId: firstSong,
      ...songs.get(firstSong),
      keyChange: 4,
    };
    const shown = await eventually(async () => {
      const recent = await recentPerformances('singer2');
      expect(recent).toContainEqual(expect.objectContaining(expectedFirst));
      return recent;
    }, CHAIN_WITHIN_MS);
    const first = shown.find((performance) => performance.requestId === firstRequest) as PerformanceBody;
    expect(Date.parse(first.endedAt)).toBeGreaterThanOrEqual(Date.parse(first.startedAt));

    await night.advance(); // singer2's second song on stage
    await night.advance(); // done
    const expectedSecond = {
      ...expectedFirst,
      requestId: secondRequest,
      songId: secondSong,
      ...songs.get(secondSong),
      keyChange: -1,
    };
    await eventually(async () => {
      const ids = (await recentPerformances('singer2')).map((performance) => performance.requestId);
      expect(ids).toContain(secondRequest);
      expect(ids.indexOf(secondRequest), 'the newer performance first').toBeLessThan(
        ids.indexOf(firstRequest),
      );
    }, CHAIN_WITHIN_MS);

    const history = async (as: User) => api(`/singers/${subOf('singer2')}/performances?limit=50`, as);
    for (const reader of ['singer2', 'kj'] as const) {
      const page = await answer<{ items: PerformanceBody[] }>(
        await history(reader),
        200,
        `history as ${reader}`,
      );
      const ids = page.items.map((performance) => performance.requestId);
      expect(page.items, reader).toContainEqual(expect.objectContaining(expectedSecond));
      expect(page.items, reader).toContainEqual(expect.objectContaining(expectedFirst));
      expect(ids.indexOf(secondRequest), reader).toBeLessThan(ids.indexOf(firstRequest));
      const ends = page.items.map((performance) => Date.parse(performance.endedAt));
      expect(ends, `${reader}: newest first`).toEqual([...ends].sort((a, b) => b - a));
    }
    const refused = await history('singer3');
    expect(refused.status).toBe(403);
    expect(refused.headers.get('content-type')).toBe('application/problem+json');
    expect(await refused.json()).toMatchObject({ status: 403, detail: expect.any(String) });

    await night.close();
  });

  it('sends one up-next notification each time a singer becomes next up, in the order the rotation showed, none for reads', {
    timeout: 3 * 60_000,
  }, async () => {
    const night = await openNight(`Me Night Notices ${randomUUID().slice(0, 8)}`);
    const song = () => createSong(200_000);
    await night.request('singer2', await song(), -2); // singer2 next up
    await night.request('singer3', await song()); // still singer2
    await night.advance(); // singer2 on stage, singer3 next up
    await night.request('singer2', await song(), 3); // still singer3
    await night.request('singer4', await song()); // fair: after singer3, before singer2
    await night.move('singer4', 0); // singer4 next up

    // Reads are not events: twenty of them, by the KJ and by the singers, tell nobody anything.
    const logged = (await upNextLog(night.id)).length;
    const version = (await night.rotation()).version;
    for (let read = 0; read < 20; read++) {
      const as = (['kj', 'singer2', 'singer3', 'singer4'] as const)[read % 4] as User;
      expect((await night.rotation(as)).version).toBe(version);
    }
    for (const as of ['singer2', 'singer3', 'singer4'] as const) await me(as);
    expect((await upNextLog(night.id)).length).toBe(logged);

    await night.advance(); // singer4 on stage, singer3 next up again
    await night.skip(); // singer4's turn skipped: singer3 on stage
    await night.advance();
    await night.advance();
    await night.advance();

    await night.close();
    const expected = night.expectedNotices;
    expect(expected.length, 'the script makes several singers next up, one twice').toBeGreaterThanOrEqual(5);

    const log = await upNextLog(night.id);
    expect(
      log.map((entry) => entry.singerId),
      'SingerUpNext in the log',
    ).toEqual(expected.map((notice) => notice.singerId));
    await eventually(async () => expect(await unpublishedNotices(night.id)).toBe(0), CHAIN_WITHIN_MS, 200);
    const notifications = await eventually(
      async () => {
        await inbox.sweep();
        const arrived = inbox.of(night.id);
        expect(arrived.length).toBeGreaterThanOrEqual(expected.length);
        return arrived;
      },
      CHAIN_WITHIN_MS,
      250,
    );
    // Anything published late would have been in the outbox above; one more pass catches stragglers.
    await inbox.sweep();

    expect(inbox.of(night.id)).toEqual(notifications);
    for (const notification of notifications) {
      expect(notification).toEqual({
        type: 'up-next',
        singerId: expect.any(String),
        eventId: night.id,
        estimatedStartAt: expect.any(String),
        notificationId: expect.stringMatching(new RegExp(`^${night.id}:\\d+$`)),
      });
    }
    const ids = notifications.map((notification) => notification.notificationId);
    expect(
      ids.filter((id, index) => ids.indexOf(id) !== index),
      'notifications sent twice',
    ).toEqual([]);
    expect(ids).toEqual(log.map((entry) => `${night.id}:${entry.seq}`));
    expect(
      notifications.map(({ singerId, estimatedStartAt }) => ({ singerId, estimatedStartAt })),
      'who was told, and when they were to start, as the rotation showed it',
    ).toEqual(expected.map(({ singerId, estimatedStartAt }) => ({ singerId, estimatedStartAt })));
  });
});
