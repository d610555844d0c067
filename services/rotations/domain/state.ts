import type { Fairness, RotationEvent, SongSnapshot, StoredRotationEvent } from './events.ts';

export type RequestStatus = 'pending' | 'performing' | 'completed' | 'withdrawn';

export interface RotationSinger {
  singerId: string;
  stageName: string;
  guest: boolean;
  joinedAt: string;
  /** Completed performances tonight. */
  performed: number;
}

export interface RotationRequest extends SongSnapshot {
  requestId: string;
  singerId: string;
  keyChange: number;
  requestedAt: string;
  status: RequestStatus;
}

/**
 * The fold of a night's log: plain JSON data, stored as jsonb next to the log and read back as is.
 *
 * The cycle is `rotationOrder` read from `readFrom` round to just before it (the *reading*). A turn
 * starting resets `readFrom` to the place after the singer now performing (the cursor), so the
 * cursor closes the reading; joins that must not displace the next-up singer, and KJ moves, can
 * leave the reading starting elsewhere until the next turn starts (see `placeNewcomer`).
 */
export interface RotationState {
  eventId: string;
  name: string;
  kjId: string;
  fairness: Fairness;
  maxQueuedPerSinger: number | null;
  publicDisplay: boolean;
  /** Null before EventOpened. */
  openedAt: string | null;
  closed: boolean;
  /** The seq of the last applied event; 0 before any. */
  version: number;
  lastEventAt: string | null;
  /** Everyone who joined tonight, in join order. */
  singers: RotationSinger[];
  /** The cycle of singer ids in its stored order. */
  rotationOrder: string[];
  /** Index in `rotationOrder` where the reading of the cycle starts. */
  readFrom: number;
  /** The singer now performing, or between turns the one who performed (or was skipped) last. */
  cursor: string | null;
  performing: { requestId: string; startedAt: string } | null;
  /** Every request of the night, in the order they were made. */
  requests: RotationRequest[];
  /** The singer last told they are next up, while they still are (see `SingerUpNext`). */
  nextUpNotified: string | null;
}

export function emptyRotation(): RotationState {
  return {
    eventId: '',
    name: '',
    kjId: '',
    fairness: 'fair',
    maxQueuedPerSinger: null,
    publicDisplay: false,
    openedAt: null,
    closed: false,
    version: 0,
    lastEventAt: null,
    singers: [],
    rotationOrder: [],
    readFrom: 0,
    cursor: null,
    performing: null,
    requests: [],
    nextUpNotified: null,
  };
}

/** Pure: the state after `event`, whose place in the log is `seq`. */
export function applyEvent(state: RotationState, event: RotationEvent, seq: number): RotationState {
  const changed = { ...applyChange(state, event), version: seq, lastEventAt: event.at };
  if (event.type === 'SingerUpNext' || changed.nextUpNotified === null) return changed;
  // A notified singer stays notified only while they remain next up.
  const stillNextUp = upNextRequests(changed)[0]?.singerId === changed.nextUpNotified;
  return stillNextUp ? changed : { ...changed, nextUpNotified: null };
}

/** Pure: the state after `events` are appended to the log, numbered on from `state.version`. */
export function appendEvents(state: RotationState, events: RotationEvent[]): RotationState {
  return events.reduce(
    (current, event, index) => applyEvent(current, event, state.version + index + 1),
    state,
  );
}

export function foldEvents(events: StoredRotationEvent[]): RotationState {
  return events.reduce((state, stored) => applyEvent(state, stored.event, stored.seq), emptyRotation());
}

export function findRequest(
  state: RotationState,
  requestId: string,
): { requestId: string; singerId: string; status: RequestStatus } | undefined {
  const request = state.requests.find((candidate) => candidate.requestId === requestId);
  return request && { requestId, singerId: request.singerId, status: request.status };
}

/** Requests waiting for a turn; the one performing does not count. */
export function pendingRequestsOf(state: RotationState, singerId: string): number {
  return state.requests.filter((request) => request.singerId === singerId && request.status === 'pending')
    .length;
}

/** Every joined singer once, from `readFrom` round the cycle. */
export function readingOrder(state: RotationState): string[] {
  const { rotationOrder: order, readFrom } = state;
  return [...order.slice(readFrom), ...order.slice(0, readFrom)];
}

/**
 * Up next, as requests: the reading of the cycle, skipping singers with no pending request, each
 * singer once with their earliest pending request (their own requests are sung in request order).
 */
export function upNextRequests(state: RotationState): RotationRequest[] {
  const earliest = new Map<string, RotationRequest>();
  for (const request of state.requests) {
    if (request.status === 'pending' && !earliest.has(request.singerId)) {
      earliest.set(request.singerId, request);
    }
  }
  return readingOrder(state).flatMap((singerId) => earliest.get(singerId) ?? []);
}

export function singerOf(state: RotationState, singerId: string): RotationSinger | undefined {
  return state.singers.find((singer) => singer.singerId === singerId);
}

export function requestOf(state: RotationState, requestId: string): RotationRequest | undefined {
  return state.requests.find((request) => request.requestId === requestId);
}

function applyChange(state: RotationState, event: RotationEvent): RotationState {
  switch (event.type) {
    case 'EventOpened': {
      const { type: _, at, ...settings } = event;
      return { ...state, ...settings, openedAt: at };
    }
    case 'SingerJoined':
      return {
        ...state,
        ...placeNewcomer(state, event.singerId),
        singers: [
          ...state.singers,
          {
            singerId: event.singerId,
            stageName: event.stageName,
            guest: event.guest,
            joinedAt: event.at,
            performed: 0,
          },
        ],
      };
    case 'SongRequested': {
      const { type: _, at, ...request } = event;
      if (!singerOf(state, event.singerId)) inconsistent(`${event.singerId} requested before joining`);
      return { ...state, requests: [...state.requests, { ...request, requestedAt: at, status: 'pending' }] };
    }
    case 'RequestWithdrawn':
      return withStatus(state, event.requestId, 'withdrawn');
    case 'TurnStarted':
      return {
        ...withStatus(state, event.requestId, 'performing'),
        cursor: event.singerId,
        readFrom: placeAfter(state, event.singerId),
        performing: { requestId: event.requestId, startedAt: event.at },
        nextUpNotified: state.nextUpNotified === event.singerId ? null : state.nextUpNotified,
      };
    case 'PerformanceCompleted':
      return {
        ...withStatus(state, event.requestId, 'completed'),
        performing: null,
        singers: state.singers.map((singer) =>
          singer.singerId === event.singerId ? { ...singer, performed: singer.performed + 1 } : singer,
        ),
      };
    case 'TurnSkipped': {
      const skipped = {
        ...withStatus(state, event.requestId, 'pending'),
        nextUpNotified: state.nextUpNotified === event.singerId ? null : state.nextUpNotified,
      };
      // Skipping the turn on stage keeps the reading as it is; skipping between turns passes the
      // next-up singer, so the reading restarts after them.
      return state.performing?.requestId === event.requestId
        ? { ...skipped, performing: null }
        : { ...skipped, cursor: event.singerId, readFrom: placeAfter(state, event.singerId) };
    }
    case 'KeyChanged':
      if (requestOf(state, event.requestId)?.status !== 'pending') {
        inconsistent(`key of ${event.requestId} changed while it was not waiting`);
      }
      return {
        ...state,
        requests: state.requests.map((request) =>
          request.requestId === event.requestId ? { ...request, keyChange: event.keyChange } : request,
        ),
      };
    case 'SingerMoved':
      return { ...state, ...moveSinger(state, event.singerId, event.position) };
    case 'SingerUpNext':
      return { ...state, nextUpNotified: event.singerId };
    case 'EventClosed':
      return { ...state, closed: true };
  }
}

function withStatus(state: RotationState, requestId: string, status: RequestStatus): RotationState {
  if (!requestOf(state, requestId)) inconsistent(`no request ${requestId}`);
  return {
    ...state,
    requests: state.requests.map((request) =>
      request.requestId === requestId ? { ...request, status } : request,
    ),
  };
}

/** The `readFrom` that starts the reading right after `singerId`, who then closes it. */
function placeAfter(state: RotationState, singerId: string): number {
  const index = state.rotationOrder.indexOf(singerId);
  if (index < 0) inconsistent(`${singerId} is not in the rotation`);
  return (index + 1) % state.rotationOrder.length;
}

type Placement = Pick<RotationState, 'rotationOrder' | 'readFrom'>;

/**
 * Where a singer joining tonight goes in the cycle (they join with their first request):
 *
 * - `fair`: immediately before the cursor, who closes the round, so they sing after everyone
 *   already waiting this round; before any turn has started, appended in join order. (When a KJ
 *   move has put the cursor singer's next turn inside the round, the round's end is the end of the
 *   reading, and that is where they go.)
 * - `newcomers-first`: right after the next-up singer and after every waiting singer who has not
 *   sung yet tonight, so those who have never sung go first, in join order. With nobody waiting
 *   they start the reading.
 * - `bottom`: appended to the end of the stored order.
 *
 * No join displaces the next-up singer. The case to watch is the next-up singer being read after
 * the place the mode picks: when the only singer waiting is the cursor (`fair`, `newcomers-first`),
 * the newcomer goes right after them and the reading starts with the cursor until their next turn
 * starts; in `bottom`, when nobody between the reading's start and the end of the stored order is
 * waiting (the cursor sits at, or near, the bottom: the round wraps), the reading restarts at the
 * top of the stored order, which changes nobody's place among the waiting and leaves the newcomer
 * last. With nobody waiting, the newcomer simply becomes next up.
 */
function placeNewcomer(state: RotationState, singerId: string): Placement {
  const order = state.rotationOrder;
  const top = order[0];
  if (top === undefined) return { rotationOrder: [singerId], readFrom: 0 };
  if (singerOf(state, singerId)) inconsistent(`${singerId} joined twice`);
  const waiting = new Set(upNextRequests(state).map((request) => request.singerId));
  const nextUp = upNextRequests(state)[0]?.singerId;
  if (state.fairness === 'bottom') {
    const wraps = nextUp !== undefined && !order.slice(state.readFrom).some((id) => waiting.has(id));
    return { rotationOrder: [...order, singerId], readFrom: wraps ? 0 : state.readFrom };
  }
  const reading = readingOrder(state);
  let at: number;
  if (state.fairness === 'fair') {
    const cursorClosesRound = state.cursor !== null && reading.at(-1) === state.cursor;
    at = cursorClosesRound ? reading.length - 1 : reading.length;
  } else {
    at = 1 + reading.findLastIndex((id) => id === nextUp || (waiting.has(id) && !hasSung(state, id)));
  }
  if (nextUp !== undefined && !reading.slice(0, at).some((id) => waiting.has(id))) {
    at = reading.indexOf(nextUp) + 1;
  }
  return fromReading([...reading.slice(0, at), singerId, ...reading.slice(at)], top);
}

function hasSung(state: RotationState, singerId: string): boolean {
  const performing = state.performing && requestOf(state, state.performing.requestId);
  return performing?.singerId === singerId || (singerOf(state, singerId)?.performed ?? 0) > 0;
}

/**
 * Puts `singerId` at index `position` of up next, the other waiting singers keeping their order,
 * by rewriting the cycle: the singer leaves their place and goes right before the waiting singer
 * they are to precede (or right after the one they are to follow, when moved to the end), so
 * singers with nothing pending keep their neighbours. The reading still starts where it did:
 * moving the cursor singer moves their next turn only, and the cursor stops closing the reading
 * until the next turn starts.
 */
function moveSinger(state: RotationState, singerId: string, position: number): Placement {
  const upNext = upNextRequests(state).map((request) => request.singerId);
  if (!upNext.includes(singerId)) inconsistent(`${singerId} moved with nothing pending`);
  if (upNext.length < 2) return { rotationOrder: state.rotationOrder, readFrom: state.readFrom };
  const target = upNext.filter((id) => id !== singerId);
  if (!Number.isInteger(position) || position < 0 || position > target.length) {
    inconsistent(`move to position ${position} of ${upNext.length}`);
  }
  target.splice(position, 0, singerId);
  const reading = readingOrder(state).filter((id) => id !== singerId);
  const following = target[position + 1];
  const at =
    following === undefined
      ? reading.indexOf(target[position - 1] as string) + 1
      : reading.indexOf(following);
  reading.splice(at, 0, singerId);
  return fromReading(reading, state.rotationOrder.find((id) => id !== singerId) as string);
}

/** The cycle given as a reading, stored so that `top` stays first in the stored order. */
function fromReading(reading: string[], top: string): Placement {
  const index = reading.indexOf(top);
  return {
    rotationOrder: [...reading.slice(index), ...reading.slice(0, index)],
    readFrom: index === 0 ? 0 : reading.length - index,
  };
}

function inconsistent(detail: string): never {
  throw new Error(`The rotation log is inconsistent: ${detail}.`);
}
