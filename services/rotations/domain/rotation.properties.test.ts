import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AppError, ConflictError, NotFoundError, ValidationError } from '#lib/errors';
import type { Fairness, RotationEvent, StoredRotationEvent } from './events.ts';
import {
  applyEvent,
  decide,
  emptyRotation,
  foldEvents,
  pendingRequestsOf,
  type RotationCommand,
  type RotationState,
  type RotationView,
  rotationView,
} from './rotation.ts';

/**
 * Random nights: a pool of members and walk-in guests request songs (their first request joins
 * them), withdraw, change keys, and the KJ advances, skips and moves singers. Each step is recorded with the
 * state and the view on both sides, so the properties below read like the rule's promises.
 */

const timing = { defaultDurationMs: 200_000, changeoverMs: 45_000 };
const MEMBERS = ['ann', 'bob', 'cat', 'dan', 'eve', 'fay', 'gus', 'hal', 'ivy', 'jo'];
/** Two spellings of one guest, and another guest. */
const GUESTS = ['Zed', ' zED ', 'Yul'];
const DURATIONS = [180_000, null, 240_000, 95_000];
const FAIRNESS: Fairness[] = ['fair', 'newcomers-first', 'bottom'];
const RUNS = { numRuns: 40 };

type Step =
  | { kind: 'request'; who: number; song: number; keyChange: number }
  | { kind: 'withdraw'; pick: number }
  | { kind: 'key'; pick: number; keyChange: number }
  | { kind: 'advance' }
  | { kind: 'skip' }
  | { kind: 'move'; pick: number; position: number };

const requestStep = fc.record({
  kind: fc.constant('request' as const),
  // Mostly regulars singing again; now and then someone new (or a guest) walks in.
  who: fc.oneof(
    { weight: 3, arbitrary: fc.nat(3) },
    { weight: 1, arbitrary: fc.nat(MEMBERS.length + GUESTS.length - 1) },
  ),
  song: fc.nat(DURATIONS.length - 1),
  keyChange: fc.integer({ min: -7, max: 7 }),
});
const withdrawStep = fc.record({ kind: fc.constant('withdraw' as const), pick: fc.nat(50) });
/** Any request of the night, whatever its status, to a key in range or one semitone out of it. */
const keyStep = fc.record({
  kind: fc.constant('key' as const),
  pick: fc.nat(50),
  keyChange: fc.integer({ min: -7, max: 7 }),
});
const advanceStep = fc.constant({ kind: 'advance' as const });
const skipStep = fc.constant({ kind: 'skip' as const });
const moveStep = fc.record({ kind: fc.constant('move' as const), pick: fc.nat(20), position: fc.nat(8) });

/** Everything a KJ and singers can do. */
const anyStep: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: requestStep },
  { weight: 1, arbitrary: withdrawStep },
  { weight: 2, arbitrary: keyStep },
  { weight: 4, arbitrary: advanceStep },
  { weight: 1, arbitrary: skipStep },
  { weight: 2, arbitrary: moveStep },
);
/** Requests, withdrawals, key changes and advances only: the rule's order with no KJ override. */
const plainStep: fc.Arbitrary<Step> = fc.oneof(
  { weight: 6, arbitrary: requestStep },
  { weight: 1, arbitrary: withdrawStep },
  { weight: 1, arbitrary: keyStep },
  { weight: 4, arbitrary: advanceStep },
);

const nightOf = (steps: fc.Arbitrary<Step>) =>
  fc.record({
    maxQueuedPerSinger: fc.constantFrom(null, null, 1, 2, 3),
    steps: fc.array(steps, { maxLength: 50, size: 'max' }),
  });

interface Recorded {
  command: RotationCommand;
  events: RotationEvent[];
  refused: AppError | null;
  before: RotationState;
  after: RotationState;
  viewBefore: RotationView;
  viewAfter: RotationView;
}

interface Night {
  steps: Recorded[];
  log: StoredRotationEvent[];
  state: RotationState;
}

/**
 * Plays the steps, then lets the KJ keep advancing until nobody is waiting (the drain is recorded
 * too). Anything decide throws must be an AppError and leaves the state as it was.
 */
function play(fairness: Fairness, maxQueuedPerSinger: number | null, steps: Step[]): Night {
  let state = emptyRotation();
  let clock = Date.parse('2025-06-06T20:00:00.000Z');
  const log: StoredRotationEvent[] = [];
  const recorded: Recorded[] = [];
  let made = 0;

  let view = rotationView(state, timing);
  const run = (command: RotationCommand): Recorded => {
    const [before, viewBefore] = [state, view];
    clock += 30_000;
    let events: RotationEvent[] = [];
    let refused: AppError | null = null;
    try {
      events = decide(state, command, new Date(clock), timing);
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      refused = error;
    }
    for (const event of events) {
      const seq = state.version + 1;
      state = applyEvent(state, event, seq);
      log.push({ eventId: 'night', seq, event });
    }
    view = events.length === 0 ? view : rotationView(state, timing);
    const step = { command, events, refused, before, after: state, viewBefore, viewAfter: view };
    recorded.push(step);
    return step;
  };

  run({
    type: 'open',
    eventId: 'night',
    name: 'Random night',
    kjId: 'kj',
    fairness,
    maxQueuedPerSinger,
    publicDisplay: false,
  });
  for (const step of steps) run(commandFor(step));
  for (let turn = 0; turn <= state.requests.length + 1; turn++) {
    if (run({ type: 'advance' }).refused) break;
  }
  return { steps: recorded, log, state };

  function commandFor(step: Step): RotationCommand {
    switch (step.kind) {
      case 'request': {
        made += 1;
        const member = MEMBERS[step.who];
        return {
          type: 'request',
          requestId: `request-${made}`,
          singer: member
            ? { kind: 'member', singerId: member, stageName: member.toUpperCase() }
            : {
                kind: 'guest',
                newSingerId: `guest-${made}`,
                guestName: GUESTS[step.who - MEMBERS.length] ?? '',
              },
          song: {
            songId: `song-${step.song}`,
            title: 'Title',
            artist: 'Artist',
            durationMs: DURATIONS[step.song] ?? null,
          },
          keyChange: step.keyChange,
        };
      }
      case 'withdraw': {
        const requests = state.requests;
        const request = requests[step.pick % Math.max(requests.length, 1)];
        return { type: 'withdraw', requestId: request?.requestId ?? 'unknown' };
      }
      case 'key': {
        const requests = state.requests;
        const request = requests[step.pick % Math.max(requests.length, 1)];
        return { type: 'changeKey', requestId: request?.requestId ?? 'unknown', keyChange: step.keyChange };
      }
      case 'move': {
        const waiting = rotationView(state, timing).upNext.map((turn) => turn.singerId);
        const singerId =
          waiting[step.pick % Math.max(waiting.length, 1)] ?? MEMBERS[step.pick % MEMBERS.length];
        return { type: 'move', singerId: singerId ?? 'ann', position: step.position % (waiting.length + 1) };
      }
      case 'advance':
      case 'skip':
        return { type: step.kind };
    }
  }
}

const nextUp = (view: RotationView) => view.upNext[0]?.singerId;
const startedIn = (step: Recorded, singerId: string) =>
  step.events.some((event) => event.type === 'TurnStarted' && event.singerId === singerId);
const joinedIn = (step: Recorded) =>
  step.events.flatMap((event) => (event.type === 'SingerJoined' ? [event.singerId] : []));

/** For each singer, the indexes of the steps where one of their turns started. */
function turnStarts(night: Night): Map<string, number[]> {
  const starts = new Map<string, number[]>();
  night.steps.forEach((step, index) => {
    for (const event of step.events) {
      if (event.type === 'TurnStarted')
        starts.set(event.singerId, [...(starts.get(event.singerId) ?? []), index]);
    }
  });
  return starts;
}

/**
 * Whether `singerId` kept at least one song waiting after every step from `from` to `to`
 * (inclusive): a singer who withdrew everything on the way gave their place up.
 */
const keptWaiting = (night: Night, singerId: string, from: number, to: number) =>
  night.steps.slice(from, to + 1).every((step) => pendingRequestsOf(step.after, singerId) > 0);

/**
 * The newcomer promise of a mode: when `newcomer` joins at step `joinedAt`, every singer in
 * `ahead` who keeps a song waiting until the newcomer's first turn sings before it.
 */
function expectSungBeforeNewcomer(night: Night, newcomer: string, joinedAt: number, ahead: string[]) {
  const firstTurn = night.steps.findIndex((step, index) => index > joinedAt && startedIn(step, newcomer));
  if (firstTurn < 0) return;
  for (const singerId of ahead) {
    const sang = night.steps.slice(joinedAt + 1, firstTurn).some((step) => startedIn(step, singerId));
    if (!sang) {
      expect(
        keptWaiting(night, singerId, joinedAt - 1, firstTurn - 1),
        `${newcomer} sang before ${singerId}`,
      ).toBe(false);
    }
  }
}

describe.each(FAIRNESS)('a random %s night', (fairness) => {
  const property = (steps: fc.Arbitrary<Step>, check: (night: Night) => void) =>
    fc.assert(
      fc.property(nightOf(steps), ({ maxQueuedPerSinger, steps }) => {
        check(play(fairness, maxQueuedPerSinger, steps));
      }),
      RUNS,
    );

  it('rebuilds from its log to the live state, which survives a JSON round trip', () => {
    property(anyStep, (night) => {
      expect(foldEvents(night.log)).toStrictEqual(night.state);
      for (const step of night.steps) {
        // What the service reads back from jsonb decides and looks exactly like the live state.
        const stored = JSON.parse(JSON.stringify(step.after)) as RotationState;
        expect(stored).toStrictEqual(step.after);
        expect(rotationView(stored, timing)).toEqual(step.viewAfter);
        if (step.refused) expect(step.after).toBe(step.before);
      }
      const live = night.steps[Math.floor(night.steps.length / 2)]?.after ?? night.state;
      const stored = JSON.parse(JSON.stringify(live)) as RotationState;
      const at = new Date(Date.parse(live.lastEventAt ?? '') + 1_000);
      for (const command of [{ type: 'advance' }, { type: 'skip' }, { type: 'close' }] as const) {
        const outcome = (state: RotationState) => {
          try {
            return decide(state, command, at, timing);
          } catch (error) {
            return error;
          }
        };
        expect(outcome(stored)).toEqual(outcome(live));
      }
    });
  });

  it('never lists a singer twice up next, and estimates starts in order', () => {
    property(anyStep, (night) => {
      for (const { viewAfter: view } of night.steps) {
        const singers = view.upNext.map((turn) => turn.singerId);
        expect(new Set(singers).size).toBe(singers.length);
        const starts = [view.nowPerforming, ...view.upNext].flatMap((turn) =>
          turn ? [Date.parse(turn.estimatedStartAt)] : [],
        );
        expect(starts).toEqual([...starts].sort((a, b) => a - b));
      }
    });
  });

  it('never lets a join displace the next-up singer', () => {
    property(anyStep, (night) => {
      for (const step of night.steps) {
        const was = nextUp(step.viewBefore);
        if (joinedIn(step).length > 0 && was !== undefined) expect(nextUp(step.viewAfter)).toBe(was);
      }
    });
  });

  it('tells each singer exactly once when they become next up', () => {
    property(anyStep, (night) => {
      for (const step of night.steps) {
        const notices = step.events.filter((event) => event.type === 'SingerUpNext');
        const now = step.viewAfter.upNext[0];
        const was = nextUp(step.viewBefore);
        const turnEnded = step.events.some(
          (event) =>
            (event.type === 'TurnStarted' || event.type === 'TurnSkipped') &&
            event.singerId === now?.singerId,
        );
        const becameNextUp = now !== undefined && !step.after.closed && (now.singerId !== was || turnEnded);
        expect(notices).toEqual(
          becameNextUp
            ? [
                expect.objectContaining({
                  singerId: now.singerId,
                  requestId: now.requestId,
                  estimatedStartAt: now.estimatedStartAt,
                }),
              ]
            : [],
        );
      }
    });
  });

  it('sings each singer’s requests in the order they made them', () => {
    property(anyStep, (night) => {
      const order = new Map(night.state.requests.map((request, index) => [request.requestId, index]));
      const lastStarted = new Map<string, number>();
      for (const { event } of night.log) {
        if (event.type !== 'TurnStarted') continue;
        const index = order.get(event.requestId) ?? -1;
        expect(index).toBeGreaterThanOrEqual(lastStarted.get(event.singerId) ?? -1);
        lastStarted.set(event.singerId, index);
      }
    });
  });

  it('sings every waiting song in the end if the KJ keeps advancing', () => {
    property(anyStep, (night) => {
      expect(night.steps.at(-1)?.refused).toBeInstanceOf(ConflictError);
      expect(night.state.requests.filter((request) => request.status !== 'withdrawn')).toEqual(
        night.state.requests
          .filter((request) => request.status !== 'withdrawn')
          .map((request) => ({ ...request, status: 'completed' })),
      );
    });
  });

  it('moves a singer to the requested place and keeps the others in their order', () => {
    property(anyStep, (night) => {
      for (const step of night.steps) {
        if (step.command.type !== 'move' || step.refused) continue;
        const { singerId, position } = step.command;
        const others = step.viewBefore.upNext.map((turn) => turn.singerId).filter((id) => id !== singerId);
        const expected = [...others.slice(0, position), singerId, ...others.slice(position)];
        expect(step.viewAfter.upNext.map((turn) => turn.singerId)).toEqual(expected);
        expect(step.viewAfter.nowPerforming).toEqual(step.viewBefore.nowPerforming);
      }
    });
  });

  it('changes the key of a waiting request only, and refuses one not waiting', () => {
    property(anyStep, (night) => {
      for (const step of night.steps) {
        const { command } = step;
        if (command.type !== 'changeKey') continue;
        const request = step.before.requests.find((made) => made.requestId === command.requestId);
        if (Math.abs(command.keyChange) > 6) {
          expect(step.refused).toBeInstanceOf(ValidationError);
        } else if (!request) {
          expect(step.refused).toBeInstanceOf(NotFoundError);
        } else if (request.status !== 'pending') {
          expect(step.refused).toBeInstanceOf(ConflictError);
        } else {
          expect(step.refused).toBeNull();
          expect(step.events).toHaveLength(request.keyChange === command.keyChange ? 0 : 1);
          expect(step.after.requests).toEqual(
            step.before.requests.map((made) =>
              made === request ? { ...made, keyChange: command.keyChange } : made,
            ),
          );
          const turns = (view: RotationView) =>
            [view.nowPerforming, ...view.upNext].map((turn) => turn && [turn.requestId, turn.singerId]);
          expect(turns(step.viewAfter)).toEqual(turns(step.viewBefore));
          expect(step.after.nextUpNotified).toBe(step.before.nextUpNotified);
        }
        if (step.refused) expect(step.events).toEqual([]);
      }
    });
  });

  it('refuses a request exactly when the singer already has the night’s limit of songs waiting', () => {
    property(anyStep, (night) => {
      const limit = night.state.maxQueuedPerSinger;
      for (const step of night.steps) {
        const { command } = step;
        if (command.type !== 'request' || Math.abs(command.keyChange) > 6) continue;
        const singerId = step.after.requests.find(
          (request) => request.requestId === command.requestId,
        )?.singerId;
        const member = command.singer.kind === 'member' ? command.singer.singerId : undefined;
        const waiting = member === undefined ? 0 : pendingRequestsOf(step.before, member);
        if (member !== undefined && limit !== null && waiting >= limit) {
          expect(step.refused).toBeInstanceOf(ConflictError);
          expect(step.refused?.message).toContain(`(${limit})`);
        } else if (member !== undefined) {
          expect(singerId).toBe(member);
        }
      }
    });
  });

  it('keeps one guest per name, whatever its case and spacing', () => {
    property(anyStep, (night) => {
      const guestNames = night.state.singers
        .filter((singer) => singer.guest)
        .map((singer) => singer.stageName.trim().toLowerCase());
      expect(new Set(guestNames).size).toBe(guestNames.length);
    });
  });
});

describe('a random fair night without KJ overrides', () => {
  const property = (check: (night: Night) => void) =>
    fc.assert(
      fc.property(nightOf(plainStep), ({ maxQueuedPerSinger, steps }) => {
        check(play('fair', maxQueuedPerSinger, steps));
      }),
      RUNS,
    );

  it('never lets a newcomer sing before anyone who was waiting this round when they joined', () => {
    property((night) => {
      night.steps.forEach((step, index) => {
        for (const newcomer of joinedIn(step)) {
          const cursor = step.before.cursor;
          const waiting = step.viewBefore.upNext.map((turn) => turn.singerId).filter((id) => id !== cursor);
          expectSungBeforeNewcomer(night, newcomer, index, waiting);
        }
      });
    });
  });

  it('lets a newcomer sing before the singer on stage sings again, unless that singer was kept next up', () => {
    property((night) => {
      const starts = turnStarts(night);
      night.steps.forEach((step, index) => {
        const cursor = step.before.cursor;
        if (cursor === null) return;
        // When only the cursor singer was waiting as someone joined, their next turn was kept next up,
        // ahead of that newcomer; it stays in the round until it starts.
        const turnBegan = (starts.get(cursor) ?? []).filter((start) => start < index).at(-1) ?? 0;
        const keptNextUp = night.steps
          .slice(turnBegan + 1, index + 1)
          .some((earlier) => joinedIn(earlier).length > 0 && nextUp(earlier.viewBefore) === cursor);
        if (keptNextUp) return;
        for (const newcomer of joinedIn(step)) {
          const cursorAgain = (starts.get(cursor) ?? []).find((start) => start > index);
          const newcomerFirst = (starts.get(newcomer) ?? []).find((start) => start > index);
          if (cursorAgain !== undefined && (newcomerFirst === undefined || cursorAgain < newcomerFirst)) {
            expect(
              keptWaiting(night, newcomer, index, cursorAgain - 1),
              `${cursor} sang again before ${newcomer}`,
            ).toBe(false);
          }
        }
      });
    });
  });

  it('lets every other waiting singer sing exactly once between two turns of a waiting singer', () => {
    property((night) => {
      for (const [singerId, starts] of turnStarts(night)) {
        for (let turn = 1; turn < starts.length; turn++) {
          const [first, second] = [starts[turn - 1] as number, starts[turn] as number];
          if (!keptWaiting(night, singerId, first, second - 1)) continue;
          for (const other of night.state.rotationOrder) {
            if (other === singerId || !keptWaitingOrSinging(night, other, first, second - 1)) continue;
            const turns = night.steps.slice(first + 1, second).filter((step) => startedIn(step, other));
            expect(turns, `${other} between two turns of ${singerId}`).toHaveLength(1);
          }
        }
      }
    });
  });
});

describe('a random bottom night', () => {
  it('writes each newcomer at the end of the stored order', () => {
    fc.assert(
      fc.property(nightOf(anyStep), ({ maxQueuedPerSinger, steps }) => {
        const night = play('bottom', maxQueuedPerSinger, steps);
        for (const step of night.steps) {
          for (const newcomer of joinedIn(step)) {
            expect(step.viewAfter.singers.map((singer) => singer.singerId)).toEqual([
              ...step.viewBefore.singers.map((singer) => singer.singerId),
              newcomer,
            ]);
          }
        }
      }),
      RUNS,
    );
  });
});

describe('a random newcomers-first night without KJ overrides', () => {
  it('never lets a newcomer sing before an earlier singer who is waiting and has not sung yet', () => {
    fc.assert(
      fc.property(nightOf(plainStep), ({ maxQueuedPerSinger, steps }) => {
        const night = play('newcomers-first', maxQueuedPerSinger, steps);
        const starts = turnStarts(night);
        night.steps.forEach((step, index) => {
          for (const newcomer of joinedIn(step)) {
            const neverSung = step.viewBefore.upNext
              .map((turn) => turn.singerId)
              .filter((id) => !(starts.get(id) ?? []).some((start) => start < index));
            expectSungBeforeNewcomer(night, newcomer, index, neverSung);
          }
        });
      }),
      RUNS,
    );
  });
});

/** Waiting, or on stage, after every step from `from` to `to`: a turn in between does not count as leaving. */
function keptWaitingOrSinging(night: Night, singerId: string, from: number, to: number): boolean {
  return night.steps
    .slice(from, to + 1)
    .every(
      (step) =>
        pendingRequestsOf(step.after, singerId) > 0 || step.viewAfter.nowPerforming?.singerId === singerId,
    );
}
