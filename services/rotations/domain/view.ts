import { type RotationRequest, type RotationState, requestOf, upNextRequests } from './state.ts';

export interface Timing {
  /** Estimated length of a song whose duration the catalog does not know. */
  defaultDurationMs: number;
  /** Time between the end of one song and the start of the next singer's. */
  changeoverMs: number;
}

export interface Turn {
  requestId: string;
  singerId: string;
  stageName: string;
  songId: string;
  title: string;
  artist: string;
  keyChange: number;
  estimatedStartAt: string;
}

export interface RotationView {
  nowPerforming: Turn | null;
  upNext: Turn[];
  /** Everyone who joined tonight, in the stored cycle order. */
  singers: Array<{
    singerId: string;
    stageName: string;
    guest: boolean;
    pendingRequests: number;
    performed: number;
  }>;
}

/**
 * What the night looks like now. Estimated starts add, turn after turn, the song's duration (or
 * `defaultDurationMs` when unknown) and `changeoverMs` to the start of the turn on stage; between
 * turns the first turn ahead is estimated at the last change plus `changeoverMs`. The view is a
 * function of the state alone (no clock), so it only changes when the log does.
 */
export function rotationView(state: RotationState, timing: Timing): RotationView {
  const performing = state.performing && requestOf(state, state.performing.requestId);
  const singersById = new Map(state.singers.map((singer) => [singer.singerId, singer]));
  const turnOf = (request: RotationRequest, startMs: number): Turn => ({
    requestId: request.requestId,
    singerId: request.singerId,
    stageName: singersById.get(request.singerId)?.stageName ?? '',
    songId: request.songId,
    title: request.title,
    artist: request.artist,
    keyChange: request.keyChange,
    estimatedStartAt: new Date(startMs).toISOString(),
  });
  const turnLengthMs = (request: RotationRequest) =>
    (request.durationMs !== null && request.durationMs > 0 ? request.durationMs : timing.defaultDurationMs) +
    timing.changeoverMs;

  let nextStartMs = Date.parse(state.lastEventAt ?? new Date(0).toISOString()) + timing.changeoverMs;
  let nowPerforming: Turn | null = null;
  if (state.performing && performing) {
    const startedMs = Date.parse(state.performing.startedAt);
    nowPerforming = turnOf(performing, startedMs);
    nextStartMs = startedMs + turnLengthMs(performing);
  }
  const upNext = upNextRequests(state).map((request) => {
    const turn = turnOf(request, nextStartMs);
    nextStartMs += turnLengthMs(request);
    return turn;
  });

  const pending = new Map<string, number>();
  for (const request of state.requests) {
    if (request.status === 'pending') pending.set(request.singerId, (pending.get(request.singerId) ?? 0) + 1);
  }
  const singers = state.rotationOrder.flatMap((singerId) => {
    const singer = singersById.get(singerId);
    if (!singer) return [];
    const { stageName, guest, performed } = singer;
    return [{ singerId, stageName, guest, pendingRequests: pending.get(singerId) ?? 0, performed }];
  });
  return { nowPerforming, upNext, singers };
}
