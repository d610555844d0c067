import { describe, expect, it } from 'vitest';
import { ConflictError, NotFoundError, ValidationError } from '#lib/errors';
import type { Fairness, RotationEvent, SongSnapshot, StoredRotationEvent } from './events.ts';
import {
  applyEvent,
  decide,
  emptyRotation,
  findRequest,
  foldEvents,
  pendingRequestsOf,
  type RotationCommand,
  rotationView,
} from './rotation.ts';

const timing = { defaultDurationMs: 200_000, changeoverMs: 60_000 };
const OPENED_AT = Date.parse('2025-06-06T20:00:00.000Z');
const MINUTE = 60_000;

/** A night run through decide and applyEvent, as the service does, one minute per command. */
function night(options: { fairness?: Fairness; maxQueuedPerSinger?: number | null } = {}) {
  let state = emptyRotation();
  const log: StoredRotationEvent[] = [];
  let clock = OPENED_AT;
  let requests = 0;

  const run = (command: RotationCommand): RotationEvent[] => {
    const events = decide(state, command, new Date(clock), timing);
    for (const event of events) {
      const seq = state.version + 1;
      state = applyEvent(state, event, seq);
      log.push({ eventId: 'night-1', seq, event });
    }
    clock += MINUTE;
    return events;
  };
  const song = (songId: string, durationMs: number | null = 180_000): SongSnapshot => ({
    songId,
    title: `Title of ${songId}`,
    artist: `Artist of ${songId}`,
    durationMs,
  });
  const view = () => rotationView(state, timing);

  run({
    type: 'open',
    eventId: 'night-1',
    name: 'Friday night',
    kjId: 'kj-1',
    fairness: options.fairness ?? 'fair',
    maxQueuedPerSinger: options.maxQueuedPerSinger ?? null,
    publicDisplay: false,
  });

  return {
    run,
    log,
    view,
    get state() {
      return state;
    },
    /** A member's request, their stage name being their id; returns the request id. */
    request(singerId: string, options: { durationMs?: number | null; keyChange?: number } = {}): string {
      const requestId = `${singerId}-${++requests}`;
      run({
        type: 'request',
        requestId,
        singer: { kind: 'member', singerId, stageName: singerId },
        song: song(`song-${requests}`, options.durationMs),
        keyChange: options.keyChange ?? 0,
      });
      return requestId;
    },
    guest(guestName: string): RotationEvent[] {
      const requestId = `guest-request-${++requests}`;
      return run({
        type: 'request',
        requestId,
        singer: { kind: 'guest', newSingerId: `guest-${requests}`, guestName },
        song: song(`song-${requests}`),
        keyChange: 0,
      });
    },
    advance: () => run({ type: 'advance' }),
    skip: () => run({ type: 'skip' }),
    move: (singerId: string, position: number) => run({ type: 'move', singerId, position }),
    withdraw: (requestId: string) => run({ type: 'withdraw', requestId }),
    changeKey: (requestId: string, keyChange: number) => run({ type: 'changeKey', requestId, keyChange }),
    close: () => run({ type: 'close' }),
    onStage: () => view().nowPerforming?.singerId ?? null,
    upNext: () => view().upNext.map((turn) => turn.singerId),
    upNextRequests: () => view().upNext.map((turn) => turn.requestId),
  };
}

const errorOf = (action: () => unknown): unknown => {
  try {
    action();
  } catch (error) {
    return error;
  }
  throw new Error('expected the command to be refused');
};

const types = (events: RotationEvent[]) => events.map((event) => event.type);

describe('the order of turns', () => {
  it('lines the first singers up in the order they joined', () => {
    const kj = night();
    for (const singer of ['ann', 'bob', 'cat']) kj.request(singer);
    expect(kj.upNext()).toEqual(['ann', 'bob', 'cat']);
    kj.advance();
    expect(kj.onStage()).toBe('ann');
    expect(kj.upNext()).toEqual(['bob', 'cat']);
  });

  it('sings one singer’s own requests in the order they made them, one per turn', () => {
    const kj = night();
    const first = kj.request('ann');
    const second = kj.request('ann');
    kj.request('bob');
    expect(kj.upNextRequests()).toEqual([first, expect.stringMatching(/^bob-/)]);
    kj.advance();
    expect(kj.view().nowPerforming?.requestId).toBe(first);
    expect(kj.upNextRequests()).toEqual([expect.stringMatching(/^bob-/), second]);
  });

  it('keeps the place of a singer whose requests ran out and skips them until they request again', () => {
    const kj = night();
    for (const singer of ['ann', 'bob', 'cat']) kj.request(singer);
    kj.advance();
    kj.advance();
    expect(kj.onStage()).toBe('bob');
    kj.request('ann');
    expect(kj.upNext()).toEqual(['cat', 'ann']);
    kj.request('bob');
    expect(kj.upNext()).toEqual(['cat', 'ann', 'bob']);
    expect(kj.view().singers.map((singer) => singer.singerId)).toEqual(['ann', 'bob', 'cat']);
  });

  it('a latecomer in fair mode sings after everyone already waiting this round', () => {
    const kj = night({ fairness: 'fair' });
    for (const singer of ['ann', 'bob', 'cat']) kj.request(singer);
    kj.advance();
    kj.request('ann');
    kj.request('dan');
    expect(kj.upNext()).toEqual(['bob', 'cat', 'dan', 'ann']);
  });

  it('in fair mode everyone waiting sings once before anyone sings twice', () => {
    const kj = night({ fairness: 'fair' });
    for (const singer of ['ann', 'bob', 'cat', 'ann', 'bob', 'cat']) kj.request(singer);
    const sung: string[] = [];
    for (let turn = 0; turn < 6; turn++) {
      kj.advance();
      sung.push(kj.onStage() ?? '');
    }
    expect(sung).toEqual(['ann', 'bob', 'cat', 'ann', 'bob', 'cat']);
  });

  it('newcomers-first puts those who have never sung ahead of those who have, in join order', () => {
    const kj = night({ fairness: 'newcomers-first' });
    for (const singer of ['ann', 'bob', 'cat']) kj.request(singer);
    kj.advance();
    kj.request('ann');
    kj.advance();
    kj.request('bob');
    expect(kj.upNext()).toEqual(['cat', 'ann', 'bob']);
    kj.request('dan');
    kj.request('eve');
    expect(kj.upNext()).toEqual(['cat', 'dan', 'eve', 'ann', 'bob']);
  });

  it('a newcomer in newcomers-first mode never displaces a next-up singer who has sung before', () => {
    const kj = night({ fairness: 'newcomers-first' });
    kj.request('ann');
    kj.request('bob');
    kj.advance();
    kj.request('ann');
    kj.advance();
    kj.advance();
    expect(kj.onStage()).toBe('ann');
    kj.request('bob');
    expect(kj.upNext()).toEqual(['bob']);
    kj.request('cat');
    expect(kj.upNext()).toEqual(['bob', 'cat']);
  });

  it('bottom mode writes newcomers at the end of the stored order, wherever the round is', () => {
    const kj = night({ fairness: 'bottom' });
    for (const singer of ['ann', 'bob', 'cat', 'dan']) kj.request(singer);
    kj.advance();
    kj.advance();
    expect(kj.onStage()).toBe('bob');
    kj.request('ann');
    expect(kj.upNext()).toEqual(['cat', 'dan', 'ann']);
    kj.request('eve');
    expect(kj.upNext()).toEqual(['cat', 'dan', 'eve', 'ann']);
    expect(kj.view().singers.map((singer) => singer.singerId)).toEqual(['ann', 'bob', 'cat', 'dan', 'eve']);
  });

  it('a bottom newcomer does not jump the next-up singer when the round has reached the bottom', () => {
    const kj = night({ fairness: 'bottom' });
    for (const singer of ['ann', 'bob', 'cat']) kj.request(singer);
    kj.advance();
    kj.advance();
    kj.advance();
    expect(kj.onStage()).toBe('cat');
    kj.request('bob');
    expect(kj.upNext()).toEqual(['bob']);
    kj.request('dan');
    expect(kj.upNext()).toEqual(['bob', 'dan']);
    kj.request('cat');
    expect(kj.upNext()).toEqual(['bob', 'cat', 'dan']);
    kj.advance();
    kj.advance();
    expect(kj.onStage()).toBe('cat');
    expect(kj.upNext()).toEqual(['dan']);
  });

  it('a bottom newcomer waits for the top of the order when nobody below the stage is waiting', () => {
    const kj = night({ fairness: 'bottom' });
    for (const singer of ['ann', 'bob', 'cat', 'dan']) kj.request(singer);
    for (let turn = 0; turn < 4; turn++) kj.advance();
    kj.request('ann');
    kj.request('bob');
    kj.advance();
    kj.advance();
    expect(kj.onStage()).toBe('bob');
    kj.request('ann');
    expect(kj.upNext()).toEqual(['ann']);
    kj.request('eve');
    expect(kj.upNext()).toEqual(['ann', 'eve']);
    expect(kj.view().singers.map((singer) => singer.singerId)).toEqual(['ann', 'bob', 'cat', 'dan', 'eve']);
  });

  it('a newcomer does not jump ahead of the singer on stage when their next song is up next', () => {
    for (const fairness of ['fair', 'newcomers-first', 'bottom'] as const) {
      const kj = night({ fairness });
      kj.request('ann');
      kj.request('ann');
      kj.advance();
      expect(kj.upNext()).toEqual(['ann']);
      kj.request('bob');
      expect(kj.upNext(), fairness).toEqual(['ann', 'bob']);
      kj.advance();
      expect(kj.onStage(), fairness).toBe('ann');
      expect(kj.upNext(), fairness).toEqual(['bob']);
    }
  });

  it('a newcomer with nobody waiting is next up', () => {
    for (const fairness of ['fair', 'newcomers-first', 'bottom'] as const) {
      const kj = night({ fairness });
      kj.request('ann');
      kj.request('bob');
      kj.advance();
      kj.advance();
      kj.request('cat');
      expect(kj.upNext(), fairness).toEqual(['cat']);
    }
  });
});

describe('advance', () => {
  it('completes the song on stage with its snapshot and starts the next turn', () => {
    const kj = night();
    const annSong = kj.request('ann', { keyChange: -2 });
    kj.request('bob');
    kj.advance();
    const events = kj.advance();
    expect(types(events)).toEqual(['PerformanceCompleted', 'TurnStarted']);
    expect(events[0]).toEqual({
      type: 'PerformanceCompleted',
      requestId: annSong,
      singerId: 'ann',
      stageName: 'ann',
      kjId: 'kj-1',
      eventId: 'night-1',
      keyChange: -2,
      startedAt: new Date(OPENED_AT + 3 * MINUTE).toISOString(),
      songId: 'song-1',
      title: 'Title of song-1',
      artist: 'Artist of song-1',
      durationMs: 180_000,
      at: new Date(OPENED_AT + 4 * MINUTE).toISOString(),
    });
    expect(kj.onStage()).toBe('bob');
    expect(kj.view().singers.find((singer) => singer.singerId === 'ann')?.performed).toBe(1);
  });

  it('ends the last turn and leaves the stage empty when nobody is waiting', () => {
    const kj = night();
    kj.request('ann');
    kj.advance();
    expect(types(kj.advance())).toEqual(['PerformanceCompleted']);
    expect(kj.view().nowPerforming).toBeNull();
  });

  it('is a conflict with nobody on stage and nobody waiting', () => {
    const kj = night();
    const error = errorOf(() => kj.advance());
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as Error).message).toMatch(/nobody is waiting/i);
  });
});

describe('skip', () => {
  it('ends the turn on stage without a performance; the skipped song stays first for that singer', () => {
    const kj = night();
    const annFirst = kj.request('ann');
    kj.request('ann');
    kj.request('bob');
    kj.advance();
    const events = kj.skip();
    expect(types(events)).toEqual(['TurnSkipped', 'TurnStarted', 'SingerUpNext']);
    expect(kj.onStage()).toBe('bob');
    expect(kj.upNextRequests()).toEqual([annFirst]);
    expect(kj.view().singers.find((singer) => singer.singerId === 'ann')?.performed).toBe(0);
    expect(kj.log.some(({ event }) => event.type === 'PerformanceCompleted')).toBe(false);
  });

  it('just ends the turn when the skipped singer is the only one waiting', () => {
    const kj = night();
    const annSong = kj.request('ann');
    kj.advance();
    expect(types(kj.skip())).toEqual(['TurnSkipped', 'SingerUpNext']);
    expect(kj.view().nowPerforming).toBeNull();
    expect(kj.upNextRequests()).toEqual([annSong]);
  });

  it('between turns passes the next-up singer, who keeps their song, and starts the turn after', () => {
    const kj = night();
    const annSong = kj.request('ann');
    kj.request('bob');
    kj.request('cat');
    expect(types(kj.skip())).toEqual(['TurnSkipped', 'TurnStarted', 'SingerUpNext']);
    expect(kj.onStage()).toBe('bob');
    expect(kj.upNext()).toEqual(['cat', 'ann']);
    expect(kj.upNextRequests()[1]).toBe(annSong);
  });

  it('between turns is a conflict when the next-up singer is the only one waiting', () => {
    const kj = night();
    kj.request('ann');
    const error = errorOf(() => kj.skip());
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as Error).message).toMatch(/only singer waiting/);
  });

  it('is a conflict with nobody on stage and nobody waiting', () => {
    expect(errorOf(() => night().skip())).toBeInstanceOf(ConflictError);
  });
});

describe('move', () => {
  it('puts a singer at the requested place, the others keeping their order', () => {
    const kj = night();
    for (const singer of ['ann', 'bob', 'cat', 'dan', 'eve']) kj.request(singer);
    kj.advance();
    kj.move('eve', 0);
    expect(kj.upNext()).toEqual(['eve', 'bob', 'cat', 'dan']);
    kj.move('eve', 3);
    expect(kj.upNext()).toEqual(['bob', 'cat', 'dan', 'eve']);
    kj.move('bob', 2);
    expect(kj.upNext()).toEqual(['cat', 'dan', 'bob', 'eve']);
  });

  it('keeps the moved order for the rounds that follow', () => {
    const kj = night();
    for (const singer of ['ann', 'bob', 'cat']) kj.request(singer);
    kj.move('cat', 0);
    for (const singer of ['ann', 'bob', 'cat']) kj.request(singer);
    const sung: string[] = [];
    for (let turn = 0; turn < 6; turn++) {
      kj.advance();
      sung.push(kj.onStage() ?? '');
    }
    expect(sung).toEqual(['cat', 'ann', 'bob', 'cat', 'ann', 'bob']);
  });

  it('moving the singer on stage moves their next turn only', () => {
    const kj = night();
    for (const singer of ['ann', 'bob', 'cat', 'ann']) kj.request(singer);
    kj.advance();
    expect(kj.upNext()).toEqual(['bob', 'cat', 'ann']);
    kj.move('ann', 1);
    expect(kj.onStage()).toBe('ann');
    expect(kj.upNext()).toEqual(['bob', 'ann', 'cat']);
    kj.advance();
    kj.advance();
    expect(kj.onStage()).toBe('ann');
    expect(kj.upNext()).toEqual(['cat']);
  });

  it('changes nothing when the singer already is at that place', () => {
    const kj = night();
    kj.request('ann');
    kj.request('bob');
    expect(kj.move('bob', 1)).toEqual([]);
  });

  it('refuses an unknown singer, a singer with nothing waiting and a place outside up next', () => {
    const kj = night();
    kj.request('ann');
    kj.request('bob');
    kj.advance();
    kj.request('cat');
    expect(errorOf(() => kj.move('zed', 0))).toBeInstanceOf(NotFoundError);
    const notWaiting = errorOf(() => kj.move('ann', 0));
    expect(notWaiting).toBeInstanceOf(ValidationError);
    expect((notWaiting as ValidationError).issues.map((issue) => issue.path)).toEqual(['singerId']);
    for (const position of [2, -1, 0.5]) {
      const error = errorOf(() => kj.move('cat', position));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues).toEqual([
        { path: 'position', message: expect.stringMatching(/from 0 to 1/) },
      ]);
    }
  });
});

describe('estimated starts', () => {
  it('add each song and the changeover to the start of the turn on stage', () => {
    const kj = night();
    kj.request('ann', { durationMs: 100_000 });
    kj.request('bob', { durationMs: null });
    kj.request('cat', { durationMs: 300_000 });
    kj.advance();
    const startedAt = OPENED_AT + 4 * MINUTE;
    const view = kj.view();
    expect(view.nowPerforming?.estimatedStartAt).toBe(new Date(startedAt).toISOString());
    expect(view.upNext.map((turn) => turn.estimatedStartAt)).toEqual([
      new Date(startedAt + 100_000 + 60_000).toISOString(),
      new Date(startedAt + 100_000 + 60_000 + 200_000 + 60_000).toISOString(),
    ]);
  });

  it('start from the last change plus a changeover between turns, so a read never changes them', () => {
    const kj = night();
    kj.request('ann');
    const lastChange = OPENED_AT + MINUTE;
    expect(kj.view().upNext[0]?.estimatedStartAt).toBe(new Date(lastChange + 60_000).toISOString());
    expect(kj.view()).toEqual(kj.view());
  });
});

describe('up-next notices', () => {
  const notices = (events: RotationEvent[]) =>
    events.flatMap((event) => (event.type === 'SingerUpNext' ? [event.singerId] : []));

  it('tells a singer once when they become next up, with the turn and its estimated start', () => {
    const kj = night();
    const events = kj.guest('Zed');
    expect(events.at(-1)).toEqual({
      type: 'SingerUpNext',
      singerId: 'guest-1',
      requestId: 'guest-request-1',
      estimatedStartAt: kj.view().upNext[0]?.estimatedStartAt,
      at: new Date(OPENED_AT + MINUTE).toISOString(),
    });
    kj.request('bob');
    kj.request('cat');
    expect(kj.log.filter(({ event }) => event.type === 'SingerUpNext')).toHaveLength(1);
  });

  it('tells the next singer as each turn starts, and a singer again for a later turn', () => {
    const kj = night();
    kj.request('ann');
    kj.request('bob');
    expect(notices(kj.advance())).toEqual(['bob']);
    kj.request('ann');
    expect(notices(kj.advance())).toEqual(['ann']);
    expect(notices(kj.advance())).toEqual([]);
    kj.request('ann');
    expect(notices(kj.log.map(({ event }) => event).slice(-2))).toEqual(['ann']);
  });

  it('tells the new next-up singer when the next-up singer withdraws or is moved back', () => {
    const kj = night();
    const annSong = kj.request('ann');
    kj.request('bob');
    kj.request('cat');
    expect(notices(kj.withdraw(annSong))).toEqual(['bob']);
    expect(notices(kj.move('bob', 1))).toEqual(['cat']);
    expect(notices(kj.move('cat', 0))).toEqual([]);
  });
});

describe('requests', () => {
  it('joins a singer with their first request of the night, then only requests', () => {
    const kj = night();
    const requestId = 'first';
    const command: RotationCommand = {
      type: 'request',
      requestId,
      singer: { kind: 'member', singerId: 'ann', stageName: 'Annie' },
      song: { songId: 's1', title: 'Song', artist: 'Artist', durationMs: null },
      keyChange: 3,
    };
    expect(types(kj.run(command))).toEqual(['SingerJoined', 'SongRequested', 'SingerUpNext']);
    expect(types(kj.run({ ...command, requestId: 'second' }))).toEqual(['SongRequested']);
    expect(kj.view().singers).toEqual([
      { singerId: 'ann', stageName: 'Annie', guest: false, pendingRequests: 2, performed: 0 },
    ]);
  });

  it('a guest with the same name, in any case and spacing, is the same guest', () => {
    const kj = night();
    expect(types(kj.guest('Zed Lee'))).toEqual(['SingerJoined', 'SongRequested', 'SingerUpNext']);
    expect(types(kj.guest('  zed LEE '))).toEqual(['SongRequested']);
    kj.request('zed lee');
    expect(types(kj.guest('Zed'))).toEqual(['SingerJoined', 'SongRequested']);
    expect(kj.view().singers).toEqual([
      { singerId: 'guest-1', stageName: 'Zed Lee', guest: true, pendingRequests: 2, performed: 0 },
      { singerId: 'zed lee', stageName: 'zed lee', guest: false, pendingRequests: 1, performed: 0 },
      { singerId: 'guest-4', stageName: 'Zed', guest: true, pendingRequests: 1, performed: 0 },
    ]);
  });

  it('refuses a request beyond the night’s limit, saying the limit and what to do', () => {
    const kj = night({ maxQueuedPerSinger: 2 });
    kj.request('ann');
    kj.request('ann');
    const error = errorOf(() => kj.request('ann'));
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as Error).message).toMatch(/2 songs waiting.*\(2\).*Withdraw one/);
  });

  it('does not count the song on stage against the limit', () => {
    const kj = night({ maxQueuedPerSinger: 1 });
    kj.request('ann');
    kj.advance();
    kj.request('ann');
    expect(pendingRequestsOf(kj.state, 'ann')).toBe(1);
    expect(errorOf(() => kj.request('ann'))).toBeInstanceOf(ConflictError);
  });

  it('refuses a key change that is not a whole number of semitones from -6 to +6', () => {
    const kj = night();
    for (const keyChange of [7, -7, 1.5, Number.NaN]) {
      const error = errorOf(() => kj.request('ann', { keyChange }));
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).issues.map((issue) => issue.path)).toEqual(['keyChange']);
    }
    kj.request('ann', { keyChange: -6 });
    kj.request('ann', { keyChange: 6 });
    expect(pendingRequestsOf(kj.state, 'ann')).toBe(2);
  });

  it('refuses a request id that was already used', () => {
    const kj = night();
    const command: RotationCommand = {
      type: 'request',
      requestId: 'same',
      singer: { kind: 'member', singerId: 'ann', stageName: 'ann' },
      song: { songId: 's1', title: 'Song', artist: 'Artist', durationMs: null },
      keyChange: 0,
    };
    kj.run(command);
    expect(errorOf(() => kj.run(command))).toBeInstanceOf(ConflictError);
  });
});

describe('withdraw', () => {
  it('takes a waiting song out of the rotation, and withdrawing it again changes nothing', () => {
    const kj = night();
    const annSong = kj.request('ann');
    kj.request('bob');
    expect(types(kj.withdraw(annSong))).toEqual(['RequestWithdrawn', 'SingerUpNext']);
    expect(kj.upNext()).toEqual(['bob']);
    expect(findRequest(kj.state, annSong)).toEqual({
      requestId: annSong,
      singerId: 'ann',
      status: 'withdrawn',
    });
    expect(kj.withdraw(annSong)).toEqual([]);
  });

  it('refuses a song on stage or already sung, and an unknown request', () => {
    const kj = night();
    const annSong = kj.request('ann');
    kj.request('bob');
    kj.advance();
    expect(errorOf(() => kj.withdraw(annSong))).toBeInstanceOf(ConflictError);
    kj.advance();
    expect(errorOf(() => kj.withdraw(annSong))).toBeInstanceOf(ConflictError);
    expect(errorOf(() => kj.withdraw('nope'))).toBeInstanceOf(NotFoundError);
    expect(findRequest(kj.state, 'nope')).toBeUndefined();
  });
});

describe('key change', () => {
  it('changes the key of a waiting song, which keeps its place; the same key again changes nothing', () => {
    const kj = night();
    kj.request('ann');
    const bobSong = kj.request('bob', { keyChange: 1 });
    expect(types(kj.changeKey(bobSong, -3))).toEqual(['KeyChanged']);
    expect(kj.upNext()).toEqual(['ann', 'bob']);
    expect(kj.view().upNext[1]?.keyChange).toBe(-3);
    expect(kj.changeKey(bobSong, -3)).toEqual([]);
    kj.advance();
    kj.advance();
    expect(kj.view().nowPerforming).toMatchObject({ requestId: bobSong, keyChange: -3 });
  });

  it('refuses a song on stage, sung or withdrawn, an unknown request and a key outside -6…+6', () => {
    const kj = night();
    const annSong = kj.request('ann');
    const bobSong = kj.request('bob');
    const catSong = kj.request('cat');
    kj.withdraw(catSong);
    kj.advance();
    expect(errorOf(() => kj.changeKey(annSong, 2))).toBeInstanceOf(ConflictError);
    kj.advance();
    expect(errorOf(() => kj.changeKey(annSong, 2))).toBeInstanceOf(ConflictError);
    expect(errorOf(() => kj.changeKey(catSong, 2))).toBeInstanceOf(ConflictError);
    expect(errorOf(() => kj.changeKey('nope', 2))).toBeInstanceOf(NotFoundError);
    for (const keyChange of [7, -7, 0.5]) {
      expect(errorOf(() => kj.changeKey(bobSong, keyChange))).toBeInstanceOf(ValidationError);
    }
    expect(kj.view().nowPerforming?.keyChange).toBe(0);
  });
});

describe('opening and closing', () => {
  it('refuses every command before the night is opened', () => {
    const error = errorOf(() => decide(emptyRotation(), { type: 'advance' }, new Date(OPENED_AT), timing));
    expect(error).toBeInstanceOf(ConflictError);
    expect((error as Error).message).toMatch(/not been opened/);
  });

  it('refuses opening a night twice, and an empty name or a limit below one', () => {
    const kj = night();
    const open: RotationCommand = {
      type: 'open',
      eventId: 'night-1',
      name: ' ',
      kjId: 'kj-1',
      fairness: 'fair',
      maxQueuedPerSinger: 0,
      publicDisplay: true,
    };
    expect(errorOf(() => kj.run(open))).toBeInstanceOf(ConflictError);
    const error = errorOf(() => decide(emptyRotation(), open, new Date(OPENED_AT), timing));
    expect((error as ValidationError).issues.map((issue) => issue.path)).toEqual([
      'name',
      'maxQueuedPerSinger',
    ]);
  });

  it('closing completes the song on stage; afterwards every command is a conflict', () => {
    const kj = night();
    kj.request('ann');
    kj.request('bob');
    kj.advance();
    expect(types(kj.close())).toEqual(['PerformanceCompleted', 'EventClosed']);
    expect(kj.state.closed).toBe(true);
    for (const command of [
      () => kj.request('cat'),
      () => kj.advance(),
      () => kj.skip(),
      () => kj.move('bob', 0),
      () => kj.withdraw('bob-2'),
    ]) {
      const error = errorOf(command);
      expect(error).toBeInstanceOf(ConflictError);
      expect((error as Error).message).toMatch(/closed/);
    }
    expect(kj.close()).toEqual([]);
  });
});

describe('the state', () => {
  it('is rebuilt from the log exactly, and survives a JSON round trip', () => {
    const kj = night({ fairness: 'newcomers-first' });
    const annSong = kj.request('ann');
    kj.request('bob');
    kj.guest('Zed');
    kj.advance();
    kj.move('guest-3', 0);
    kj.request('ann');
    kj.skip();
    kj.withdraw(annSong);
    expect(foldEvents(kj.log)).toEqual(kj.state);
    expect(JSON.parse(JSON.stringify(kj.state))).toStrictEqual(kj.state);
    expect(kj.state.version).toBe(kj.log.length);
    expect(kj.state.lastEventAt).toBe(kj.log.at(-1)?.event.at);
  });

  it('starts empty, before the night is opened', () => {
    expect(emptyRotation()).toMatchObject({ version: 0, closed: false, lastEventAt: null });
    expect(rotationView(emptyRotation(), timing)).toEqual({ nowPerforming: null, upNext: [], singers: [] });
  });
});
