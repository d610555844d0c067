import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { type Actor, hasRole } from '#lib/actor';
import { ConflictError, ForbiddenError, NotFoundError, PreconditionFailedError } from '#lib/errors';
import { type EntityTag, ifMatchAllows } from '#lib/if-match';
import type {
  KaraokeEvent,
  OpenEvent,
  RequestReceipt,
  Rotation,
  RotationAction,
  SongRequest,
  UpcomingTurn,
} from './contract.ts';
import {
  appendEvents,
  decide,
  emptyRotation,
  findRequest,
  foldEvents,
  type RotationCommand,
  type RotationState,
  rotationView,
  type Timing,
} from './domain/rotation.ts';
import type { RotationRow, RotationStore } from './repo.ts';

/** An `If-Match` as `#lib/if-match` reads it. */
type IfMatch = '*' | readonly EntityTag[];

export interface RotationsService {
  open(actor: Actor, event: OpenEvent): Promise<KaraokeEvent>;
  get(eventId: string): Promise<KaraokeEvent>;
  rotation(eventId: string): Promise<Rotation>;
  request(
    eventId: string,
    actor: Actor,
    request: SongRequest & { stageName: string },
  ): Promise<RequestReceipt>;
  /** Idempotent: withdrawing a withdrawn request succeeds. */
  withdraw(eventId: string, actor: Actor, requestId: string): Promise<void>;
  /**
   * Sets the key of a request still waiting; its singer or the KJ. `ifMatch` as for {@link act}.
   */
  changeKey(
    eventId: string,
    actor: Actor,
    requestId: string,
    keyChange: number,
    ifMatch?: IfMatch,
  ): Promise<Rotation>;
  /**
   * `ifMatch`: the caller's `If-Match`, whose tags are rotation versions (the ETag is `"<version>"`);
   * a 412 when none names the rotation's current version.
   */
  act(eventId: string, actor: Actor, action: RotationAction, ifMatch?: IfMatch): Promise<Rotation>;
  close(eventId: string, actor: Actor): Promise<KaraokeEvent>;
  /** The caller's turns to come at open nights, soonest first. */
  upcomingTurns(singerId: string): Promise<UpcomingTurn[]>;
  /** Folds the night's log again and stores it as the read model; returns whether it differed. */
  rebuild(eventId: string): Promise<{ changed: boolean }>;
}

export interface RotationsDeps {
  store: RotationStore;
  timing: Timing;
  now?: () => Date;
  newId?: () => string;
}

/** How often a command is decided again after another write to the same night got in first. */
const MAX_ATTEMPTS = 5;

const summaryOf = (state: RotationState): KaraokeEvent => ({
  id: state.eventId,
  name: state.name,
  kjId: state.kjId,
  fairness: state.fairness,
  maxQueuedPerSinger: state.maxQueuedPerSinger,
  publicDisplay: state.publicDisplay,
  closed: state.closed,
  version: state.version,
});

export function createRotationsService(deps: RotationsDeps): RotationsService {
  const { store, timing } = deps;
  const now = deps.now ?? (() => new Date());
  const newId = deps.newId ?? randomUUID;

  const rowFor = (state: RotationState): RotationRow => {
    const view = rotationView(state, timing);
    const waiting = [view.nowPerforming, ...view.upNext].flatMap((turn) => (turn ? [turn.singerId] : []));
    return { state, waitingSingers: [...new Set(waiting)] };
  };
  const viewOf = (state: RotationState): Rotation => ({
    eventId: state.eventId,
    version: state.version,
    ...rotationView(state, timing),
  });
  const load = async (eventId: string) => {
    const state = await store.load(eventId);
    if (!state) throw new NotFoundError(`No karaoke night with id ${eventId}.`);
    return state;
  };
  const isKjOf = (actor: Actor, state: RotationState) => actor.id === state.kjId || hasRole(actor, 'admin');
  const requireKjOf = (actor: Actor, state: RotationState) => {
    if (!isKjOf(actor, state)) throw new ForbiddenError('Only the KJ running this night can do that.');
  };

  /**
   * Decides `command` on the night's latest state and appends what it decides. When another write
   * got in between (the append sees a newer version), the command is decided again on the newer
   * state, unless the caller pinned the versions it accepts (`ifMatch` other than `*`): then it is a 412.
   */
  async function execute(
    eventId: string,
    command: (state: RotationState) => RotationCommand,
    options: { authorize: (state: RotationState) => void; ifMatch?: IfMatch | undefined },
  ): Promise<RotationState> {
    for (let attempt = 1; ; attempt++) {
      const state = await load(eventId);
      options.authorize(state);
      if (!ifMatchAllows(options.ifMatch, String(state.version))) {
        throw new PreconditionFailedError(
          `The rotation is at version ${state.version}, which If-Match does not name; reload it and try again.`,
        );
      }
      const events = decide(state, command(state), now(), timing);
      if (events.length === 0) return state;
      const next = appendEvents(state, events);
      if (await store.append(eventId, state.version, events, rowFor(next))) return next;
      const pinned = options.ifMatch !== undefined && options.ifMatch !== '*';
      if (pinned || attempt === MAX_ATTEMPTS) {
        throw new PreconditionFailedError(
          'The rotation changed while this was being done; reload it and try again.',
        );
      }
    }
  }

  return {
    async open(actor, event) {
      if (!hasRole(actor, 'kj', 'admin')) throw new ForbiddenError('Only a KJ can open a karaoke night.');
      const eventId = newId();
      const state = emptyRotation();
      const events = decide(state, { type: 'open', eventId, kjId: actor.id, ...event }, now(), timing);
      const opened = appendEvents(state, events);
      if (!(await store.append(eventId, 0, events, rowFor(opened)))) {
        throw new ConflictError(`A karaoke night with id ${eventId} already exists.`);
      }
      return summaryOf(opened);
    },

    async get(eventId) {
      return summaryOf(await load(eventId));
    },

    async rotation(eventId) {
      return viewOf(await load(eventId));
    },

    async request(eventId, actor, request) {
      const requestId = newId();
      const { guestName, keyChange, stageName, ...song } = request;
      const state = await execute(
        eventId,
        () => ({
          type: 'request',
          requestId,
          singer:
            guestName === undefined
              ? { kind: 'member', singerId: actor.id, stageName }
              : { kind: 'guest', newSingerId: newId(), guestName },
          song,
          keyChange,
        }),
        {
          authorize: (current) => {
            if (guestName !== undefined && !isKjOf(actor, current)) {
              throw new ForbiddenError('Only the KJ running this night can add a walk-in guest.');
            }
          },
        },
      );
      const made = findRequest(state, requestId);
      if (!made) throw new ConflictError('The request was not recorded; try again.');
      return {
        requestId,
        eventId,
        singerId: made.singerId,
        songId: song.songId,
        keyChange,
        version: state.version,
      };
    },

    async withdraw(eventId, actor, requestId) {
      await execute(eventId, () => ({ type: 'withdraw', requestId }), {
        authorize: (state) => {
          const request = findRequest(state, requestId);
          if (!request) throw new NotFoundError(`No request ${requestId} at this karaoke night.`);
          if (request.singerId !== actor.id && !isKjOf(actor, state)) {
            throw new ForbiddenError('Only the singer who made a request, or the KJ, can withdraw it.');
          }
        },
      });
    },

    async changeKey(eventId, actor, requestId, keyChange, ifMatch) {
      const state = await execute(eventId, () => ({ type: 'changeKey', requestId, keyChange }), {
        authorize: (current) => {
          const request = findRequest(current, requestId);
          if (!request) throw new NotFoundError(`No request ${requestId} at this karaoke night.`);
          if (request.singerId !== actor.id && !isKjOf(actor, current)) {
            throw new ForbiddenError('Only the singer who made a request, or the KJ, can change its key.');
          }
        },
        ifMatch,
      });
      return viewOf(state);
    },

    async act(eventId, actor, action, ifMatch) {
      const state = await execute(eventId, () => action, {
        authorize: (current) => requireKjOf(actor, current),
        ifMatch,
      });
      return viewOf(state);
    },

    async close(eventId, actor) {
      const state = await execute(eventId, () => ({ type: 'close' }), {
        authorize: (current) => requireKjOf(actor, current),
      });
      return summaryOf(state);
    },

    async upcomingTurns(singerId) {
      const nights = await store.waitingFor(singerId);
      const turns = nights.flatMap((state) => {
        const view = rotationView(state, timing);
        const turns = [view.nowPerforming, ...view.upNext];
        return turns.flatMap((turn, position) =>
          turn && turn.singerId === singerId
            ? [{ eventId: state.eventId, eventName: state.name, position, turn }]
            : [],
        );
      });
      return turns.sort((a, b) => a.turn.estimatedStartAt.localeCompare(b.turn.estimatedStartAt));
    },

    async rebuild(eventId) {
      const stored = await load(eventId);
      const rebuilt = foldEvents(await store.log(eventId));
      // Compared as JSON values: jsonb keeps its own key order.
      const changed = !isDeepStrictEqual(JSON.parse(JSON.stringify(rebuilt)), stored);
      if (changed) await store.replace(eventId, rowFor(rebuilt));
      return { changed };
    },
  };
}
