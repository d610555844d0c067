/**
 * The pure domain of a karaoke night's rotation: the state folded from the log (`state.ts`), the
 * rule that turns a command into events (`decide`, here), and what a night looks like
 * (`view.ts`). No I/O and no clock: the caller passes `now`.
 */
import { ConflictError, type FieldIssue, NotFoundError, ValidationError } from '#lib/errors';
import type { Fairness, RotationEvent, SongSnapshot } from './events.ts';
import {
  appendEvents,
  type RotationRequest,
  type RotationState,
  requestOf,
  singerOf,
  upNextRequests,
} from './state.ts';
import { rotationView, type Timing } from './view.ts';

export {
  appendEvents,
  applyEvent,
  emptyRotation,
  findRequest,
  foldEvents,
  pendingRequestsOf,
  type RequestStatus,
  type RotationRequest,
  type RotationSinger,
  type RotationState,
} from './state.ts';
export { type RotationView, rotationView, type Timing, type Turn } from './view.ts';

export type RotationCommand =
  | {
      type: 'open';
      eventId: string;
      name: string;
      kjId: string;
      fairness: Fairness;
      maxQueuedPerSinger: number | null;
      publicDisplay: boolean;
    }
  | {
      type: 'request';
      requestId: string;
      singer:
        | { kind: 'member'; singerId: string; stageName: string }
        | { kind: 'guest'; newSingerId: string; guestName: string };
      song: SongSnapshot;
      keyChange: number;
    }
  | { type: 'withdraw'; requestId: string }
  | { type: 'changeKey'; requestId: string; keyChange: number }
  | { type: 'advance' }
  | { type: 'skip' }
  | { type: 'move'; singerId: string; position: number }
  | { type: 'close' };

/** Semitones a request may shift the key, either way. */
const MAX_KEY_CHANGE = 6;

/**
 * The events a command appends (possibly none: withdrawing a withdrawn request, moving a singer to
 * where they are, giving a request the key it has, closing a closed night), or throws an AppError: a ConflictError for what the
 * night's state forbids, a NotFoundError for an unknown request or singer, a ValidationError for a
 * bad value. Pure and deterministic given (state, command, now).
 *
 * The rotation rule:
 * - The rotation is a cycle of the singers who joined the event, in a stored order. The *cursor* is
 *   the singer now performing, or between turns the one who performed last. Up next reads the
 *   cycle from the singer after the cursor, skipping singers with no pending request, each singer
 *   once with their earliest pending request; the cursor singer, if they have one, comes last.
 *   Before any turn tonight, it reads the stored order from its start. A singer's own requests are
 *   sung in the order they made them, one per turn. A singer whose requests run out keeps their
 *   place and is skipped until they request again.
 * - A singer joins with their first request of the night (SingerJoined, then SongRequested).
 *   `fair`: inserted immediately before the cursor, so they sing after everyone already waiting
 *   this round (before the first turn: appended in join order). `newcomers-first`: after the
 *   next-up singer and after every waiting singer who has not sung yet tonight, so those who have
 *   never sung go first, in join order. `bottom`: appended to the end of the stored order. No join
 *   displaces the next-up singer; how the corners (only the cursor waiting, `bottom` wrapping
 *   round) keep that promise is on `placeNewcomer` in `state.ts`.
 * - A request beyond `maxQueuedPerSinger` pending requests (the one on stage does not count) is
 *   refused. A guest request reuses the guest of the same name (trimmed, any case) at this night,
 *   else joins `newSingerId` as a guest.
 * - `changeKey` sets the key of a request still waiting (KeyChanged); the turn keeps its place and
 *   nothing else changes. A request on stage, sung or withdrawn is a conflict; the key it already
 *   has changes nothing.
 * - `advance` completes the turn on stage (PerformanceCompleted) if any and starts up next's first
 *   (TurnStarted) if any; with nothing on stage and nobody waiting it is a conflict.
 * - `skip` ends the turn on stage without a performance (TurnSkipped): the skipped request stays
 *   its singer's first pending request; then the first waiting singer other than them starts, if
 *   any. Between turns, `skip` passes the next-up singer in the same way (they keep their request,
 *   the cursor moves to them) and starts the turn after theirs; when they are the only singer
 *   waiting there is nobody to skip to, a conflict.
 * - `move` puts a waiting singer at an index of up next, the others keeping their order, by
 *   rewriting the stored cycle (see `moveSinger` in `state.ts`; the cursor singer can be moved too:
 *   that moves their next turn only).
 * - `close` completes the turn on stage, if any (the song was sung), and closes the night; every
 *   command after that is a conflict, except closing again, which does nothing.
 * - Whenever a command leaves a singer next up who has not been told yet, it ends with
 *   SingerUpNext for them. A singer stays told while they remain next up; their turn starting (or
 *   being skipped) or someone else becoming next up resets that, so each time a singer becomes
 *   next up they are told exactly once.
 */
export function decide(
  state: RotationState,
  command: RotationCommand,
  now: Date,
  timing: Timing,
): RotationEvent[] {
  const at = now.toISOString();
  const events = command.type === 'open' ? open(state, command, at) : onOpenNight(state, command, at);
  return events.length === 0 ? events : withUpNextNotice(state, events, at, timing);
}

type Command<T extends RotationCommand['type']> = Extract<RotationCommand, { type: T }>;

const closedNight = () =>
  new ConflictError('This karaoke night is closed, so its rotation can no longer change.');

function onOpenNight(state: RotationState, command: Exclude<RotationCommand, Command<'open'>>, at: string) {
  if (state.openedAt === null) {
    throw new ConflictError('This karaoke night has not been opened yet; open it before anything else.');
  }
  if (state.closed) {
    if (command.type === 'close') return [];
    throw closedNight();
  }
  switch (command.type) {
    case 'request':
      return request(state, command, at);
    case 'withdraw':
      return withdraw(state, command, at);
    case 'changeKey':
      return changeKey(state, command, at);
    case 'advance':
      return advance(state, at);
    case 'skip':
      return skip(state, at);
    case 'move':
      return move(state, command, at);
    case 'close':
      return [...completeTurn(state, at), { type: 'EventClosed', at } as const];
  }
}

function open(state: RotationState, command: Command<'open'>, at: string): RotationEvent[] {
  if (state.closed) throw closedNight();
  if (state.openedAt !== null) throw new ConflictError('This karaoke night is already open.');
  const issues: FieldIssue[] = [];
  if (command.name.trim() === '') issues.push({ path: 'name', message: 'must not be empty' });
  if (!['fair', 'newcomers-first', 'bottom'].includes(command.fairness)) {
    issues.push({ path: 'fairness', message: 'must be fair, newcomers-first or bottom' });
  }
  const limit = command.maxQueuedPerSinger;
  if (limit !== null && !(Number.isInteger(limit) && limit >= 1)) {
    issues.push({
      path: 'maxQueuedPerSinger',
      message: 'must be a whole number of at least 1, or null for no limit',
    });
  }
  if (issues.length > 0) throw invalid(issues);
  const { type: _, ...settings } = command;
  return [{ type: 'EventOpened', ...settings, at }];
}

function request(state: RotationState, command: Command<'request'>, at: string): RotationEvent[] {
  const { keyChange, singer } = command;
  if (!Number.isInteger(keyChange) || Math.abs(keyChange) > MAX_KEY_CHANGE) {
    throw invalid([{ path: 'keyChange', message: 'must be a whole number of semitones from -6 to +6' }]);
  }
  if (requestOf(state, command.requestId)) {
    throw new ConflictError('This request has already been made; make a new request for another song.');
  }
  const name = (singer.kind === 'member' ? singer.stageName : singer.guestName).trim();
  if (name === '') {
    const path = singer.kind === 'member' ? 'singer.stageName' : 'singer.guestName';
    throw invalid([{ path, message: 'must not be empty' }]);
  }
  const known =
    singer.kind === 'member'
      ? singerOf(state, singer.singerId)
      : state.singers.find((joined) => joined.guest && sameName(joined.stageName, name));
  const joins: RotationEvent[] = [];
  let singerId: string;
  if (known) {
    singerId = known.singerId;
    const limit = state.maxQueuedPerSinger;
    const pending = state.requests.filter((made) => made.singerId === singerId && made.status === 'pending');
    if (limit !== null && pending.length >= limit) {
      throw new ConflictError(
        `${known.stageName} already has ${pending.length} ${songs(pending.length)} waiting, the most this night ` +
          `allows (${limit}). Withdraw one, or request again after the next turn.`,
      );
    }
  } else {
    singerId = singer.kind === 'member' ? singer.singerId : singer.newSingerId;
    if (singerOf(state, singerId)) throw new ConflictError('That singer id is already taken at this night.');
    joins.push({ type: 'SingerJoined', singerId, stageName: name, guest: singer.kind === 'guest', at });
  }
  const { songId, title, artist, durationMs } = command.song;
  return [
    ...joins,
    {
      type: 'SongRequested',
      requestId: command.requestId,
      singerId,
      keyChange,
      songId,
      title,
      artist,
      durationMs,
      at,
    },
  ];
}

function withdraw(state: RotationState, command: Command<'withdraw'>, at: string): RotationEvent[] {
  const request = requestOf(state, command.requestId);
  if (!request)
    throw new NotFoundError(`No song request with id ${command.requestId} at this karaoke night.`);
  switch (request.status) {
    case 'withdrawn':
      return [];
    case 'performing':
      throw new ConflictError(
        'This song is on stage now, so it can no longer be withdrawn; the KJ can skip it.',
      );
    case 'completed':
      throw new ConflictError('This song has already been sung, so there is nothing to withdraw.');
    case 'pending':
      return [{ type: 'RequestWithdrawn', requestId: request.requestId, singerId: request.singerId, at }];
  }
}

/**
 * A key changes only while its request waits: on stage the band (or the track) is already playing
 * it, and a sung or withdrawn request has no turn left to play it in.
 */
function changeKey(state: RotationState, command: Command<'changeKey'>, at: string): RotationEvent[] {
  const { requestId, keyChange } = command;
  if (!Number.isInteger(keyChange) || Math.abs(keyChange) > MAX_KEY_CHANGE) {
    throw invalid([{ path: 'keyChange', message: 'must be a whole number of semitones from -6 to +6' }]);
  }
  const request = requestOf(state, requestId);
  if (!request) throw new NotFoundError(`No song request with id ${requestId} at this karaoke night.`);
  switch (request.status) {
    case 'performing':
      throw new ConflictError('This song is on stage now, so its key can no longer change.');
    case 'completed':
      throw new ConflictError('This song has already been sung, so its key can no longer change.');
    case 'withdrawn':
      throw new ConflictError('This request has been withdrawn, so its key can no longer change.');
    case 'pending':
      return request.keyChange === keyChange
        ? []
        : [{ type: 'KeyChanged', requestId, singerId: request.singerId, keyChange, at }];
  }
}

function advance(state: RotationState, at: string): RotationEvent[] {
  const completed = completeTurn(state, at);
  const next = upNextRequests(appendEvents(state, completed))[0];
  if (next) return [...completed, startTurn(next, at)];
  if (completed.length === 0) {
    throw new ConflictError(
      'Nobody is waiting to sing. The next turn can start once someone requests a song.',
    );
  }
  return completed;
}

function skip(state: RotationState, at: string): RotationEvent[] {
  const onStage = state.performing && requestOf(state, state.performing.requestId);
  const passed = onStage || upNextRequests(state)[0];
  if (!passed) throw new ConflictError('Nobody is on stage or waiting to sing, so there is no turn to skip.');
  const skipped: RotationEvent[] = [
    { type: 'TurnSkipped', requestId: passed.requestId, singerId: passed.singerId, at },
  ];
  const next = upNextRequests(appendEvents(state, skipped)).find(
    (waiting) => waiting.singerId !== passed.singerId,
  );
  if (next) return [...skipped, startTurn(next, at)];
  if (!onStage) {
    const stageName = singerOf(state, passed.singerId)?.stageName;
    throw new ConflictError(
      `${stageName} is the only singer waiting, so there is nobody to skip to. Start their turn, or withdraw their request.`,
    );
  }
  return skipped;
}

function move(state: RotationState, command: Command<'move'>, at: string): RotationEvent[] {
  const { singerId, position } = command;
  const singer = singerOf(state, singerId);
  if (!singer) throw new NotFoundError(`No singer with id ${singerId} at this karaoke night.`);
  const upNext = upNextRequests(state).map((waiting) => waiting.singerId);
  const from = upNext.indexOf(singerId);
  const issues: FieldIssue[] = [];
  if (from < 0) {
    issues.push({
      path: 'singerId',
      message: `${singer.stageName} has no song waiting; only singers in the up-next list can be moved`,
    });
  }
  if (!Number.isInteger(position) || position < 0 || position >= upNext.length) {
    const message =
      upNext.length === 0
        ? 'nobody is waiting, so there is no place to move to'
        : `must be a whole number from 0 to ${upNext.length - 1} (a place in the up-next list)`;
    issues.push({ path: 'position', message });
  }
  if (issues.length > 0) throw invalid(issues);
  return from === position ? [] : [{ type: 'SingerMoved', singerId, position, at }];
}

function completeTurn(state: RotationState, at: string): RotationEvent[] {
  const request = state.performing && requestOf(state, state.performing.requestId);
  if (!state.performing || !request) return [];
  const { requestId, singerId, keyChange, songId, title, artist, durationMs } = request;
  return [
    {
      type: 'PerformanceCompleted',
      requestId,
      singerId,
      stageName: singerOf(state, singerId)?.stageName ?? '',
      kjId: state.kjId,
      eventId: state.eventId,
      keyChange,
      startedAt: state.performing.startedAt,
      songId,
      title,
      artist,
      durationMs,
      at,
    },
  ];
}

function startTurn(request: RotationRequest, at: string): RotationEvent {
  return { type: 'TurnStarted', requestId: request.requestId, singerId: request.singerId, at };
}

/** Ends `events` with SingerUpNext when they leave someone next up who has not been told. */
function withUpNextNotice(
  state: RotationState,
  events: RotationEvent[],
  at: string,
  timing: Timing,
): RotationEvent[] {
  const after = appendEvents(state, events);
  const next = rotationView(after, timing).upNext[0];
  if (after.closed || !next || next.singerId === after.nextUpNotified) return events;
  const { singerId, requestId, estimatedStartAt } = next;
  return [...events, { type: 'SingerUpNext', singerId, requestId, estimatedStartAt, at }];
}

const sameName = (a: string, b: string) => a.trim().toLowerCase() === b.trim().toLowerCase();

const songs = (count: number) => (count === 1 ? 'song' : 'songs');

const invalid = (issues: FieldIssue[]) =>
  new ValidationError('The request is not valid; see issues for each field.', issues);
