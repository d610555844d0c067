/**
 * A plain model of the karaoke rotation rule, written from the rule's prose and nothing else, so an
 * end-to-end test can check the real service against a second reading of the same rule.
 *
 * The rule, as this model reads it:
 * - The rotation is a cycle of the singers who joined, in a stored order. The cursor is the singer
 *   now performing, or between turns the one who performed last.
 * - Up next reads the cycle from the singer after the cursor, each singer once with their earliest
 *   pending request, skipping singers with none; the cursor singer, if they have one, comes last.
 *   Before any turn has started it reads the stored order from its start.
 * - A singer joins with their first request of the night. `fair`: inserted immediately before the
 *   cursor (appended in join order before the first turn). `newcomers-first`: placed after the
 *   next-up singer and after every waiting singer who has not performed yet tonight.
 * - advance completes the current turn and starts up next's first; skip does the same without a
 *   performance and puts the skipped request back first in its singer's requests; move puts a
 *   singer at an index of up next, the others keeping their relative order.
 * - A waiting request's key can change; nothing else does. A request not waiting keeps its key.
 *
 * Where another careful reader could resolve the prose differently (a corner), the model throws a
 * {@link RotationCornerError} instead of guessing, so a scenario that wanders there fails loudly.
 */

export type Fairness = 'fair' | 'newcomers-first';

/** Estimated length of a song whose duration the catalog does not know. */
export const DEFAULT_SONG_MS = 210_000;
/** Time between one singer's song and the next singer's. */
export const CHANGEOVER_MS = 60_000;

export interface ModelRequest {
  requestId: string;
  singerId: string;
  stageName: string;
  songId: string;
  durationMs: number | null;
  keyChange: number;
}

/** The scenario reached a point the rule's prose leaves open; the scenario should stay away. */
export class RotationCornerError extends Error {}

export interface RotationModel {
  /** A singer's request; their first of the night is also how they join the rotation. */
  request(request: ModelRequest): void;
  withdraw(requestId: string): void;
  /** A waiting request gets another key. */
  changeKey(requestId: string, keyChange: number): void;
  advance(): void;
  skip(): void;
  move(singerId: string, position: number): void;
  expectedNowPerforming(): ModelRequest | null;
  expectedUpNext(): ModelRequest[];
}

/** How long after a turn starts the next one is expected to start. */
export function turnLengthMs(turn: { durationMs: number | null }): number {
  return (turn.durationMs ?? DEFAULT_SONG_MS) + CHANGEOVER_MS;
}

export function createRotationModel(fairness: Fairness = 'fair'): RotationModel {
  /** The cycle, in its stored order. */
  let order: string[] = [];
  /** Each joined singer's pending requests, in the order they made them. */
  const pending = new Map<string, ModelRequest[]>();
  /** Singers who completed at least one turn with a performance tonight. */
  const performed = new Set<string>();
  let cursor: string | null = null;
  let nowPerforming: ModelRequest | null = null;

  const pendingOf = (singerId: string): ModelRequest[] => {
    const list = pending.get(singerId);
    if (!list) throw new Error(`${singerId} has not joined`);
    return list;
  };

  /** Every joined singer once, in the order up next reads them (cursor singer last). */
  const readingOrder = (): string[] => {
    if (cursor === null) return [...order];
    const at = order.indexOf(cursor);
    const singers: string[] = [];
    for (let step = 1; step <= order.length; step++) {
      singers.push(order[(at + step) % order.length] as string);
    }
    return singers;
  };

  const upNext = (): ModelRequest[] => {
    const turns: ModelRequest[] = [];
    for (const singerId of readingOrder()) {
      const first = pendingOf(singerId)[0];
      if (first) turns.push(first);
    }
    return turns;
  };

  /** Singers with a pending request who are not the cursor, in up-next order. */
  const waitingSingers = (): string[] =>
    upNext()
      .map((turn) => turn.singerId)
      .filter((singerId) => singerId !== cursor);

  const startNext = (): void => {
    const next = upNext()[0];
    if (!next) return;
    pendingOf(next.singerId).shift();
    nowPerforming = next;
    cursor = next.singerId;
  };

  const join = (singerId: string): void => {
    if (cursor === null) {
      order.push(singerId);
      return;
    }
    if (fairness === 'fair') {
      const nextUpBefore = upNext()[0];
      if (nextUpBefore?.singerId === cursor) {
        throw new RotationCornerError('a fair join when only the cursor singer is waiting');
      }
      order.splice(order.indexOf(cursor), 0, singerId);
      return;
    }
    if (pendingOf(cursor).length > 0 && !performed.has(cursor)) {
      throw new RotationCornerError('a newcomers-first join while a first-time cursor singer has a request');
    }
    const waiting = waitingSingers();
    if (waiting.length === 0) {
      throw new RotationCornerError('a newcomers-first join with nobody waiting');
    }
    if (waiting.length !== order.length - 1) {
      throw new RotationCornerError('a newcomers-first join while a joined singer has no request');
    }
    let anchor = waiting[0] as string;
    for (const singerId of waiting) {
      if (!performed.has(singerId)) anchor = singerId;
    }
    order.splice(order.indexOf(anchor) + 1, 0, singerId);
  };

  return {
    request(request) {
      if (!pending.has(request.singerId)) {
        join(request.singerId);
        pending.set(request.singerId, []);
      }
      pendingOf(request.singerId).push(request);
    },

    withdraw(requestId) {
      for (const list of pending.values()) {
        const index = list.findIndex((request) => request.requestId === requestId);
        if (index >= 0) {
          list.splice(index, 1);
          return;
        }
      }
      throw new Error(`no pending request ${requestId}`);
    },

    changeKey(requestId, keyChange) {
      for (const list of pending.values()) {
        const index = list.findIndex((request) => request.requestId === requestId);
        const request = list[index];
        if (request) {
          list[index] = { ...request, keyChange };
          return;
        }
      }
      throw new Error(`no pending request ${requestId}`);
    },

    advance() {
      if (nowPerforming) performed.add(nowPerforming.singerId);
      nowPerforming = null;
      startNext();
    },

    skip() {
      if (!nowPerforming) throw new RotationCornerError('a skip with nobody performing');
      const skipped = nowPerforming;
      nowPerforming = null;
      pendingOf(skipped.singerId).unshift(skipped);
      if (upNext()[0]?.singerId === skipped.singerId) {
        throw new RotationCornerError('a skip with nobody else waiting');
      }
      startNext();
    },

    move(singerId, position) {
      if (singerId === cursor) throw new RotationCornerError('moving the cursor singer');
      const waiting = waitingSingers();
      const others = cursor === null ? order.length : order.length - 1;
      if (waiting.length !== others) {
        throw new RotationCornerError('a move while a joined singer has no request');
      }
      if (!waiting.includes(singerId)) throw new Error(`${singerId} is not waiting`);
      if (!Number.isInteger(position) || position < 0 || position >= waiting.length) {
        throw new RotationCornerError(`a move to position ${position} of ${waiting.length} waiting`);
      }
      const reordered = waiting.filter((other) => other !== singerId);
      reordered.splice(position, 0, singerId);
      order = cursor === null ? reordered : [cursor, ...reordered];
    },

    expectedNowPerforming: () => nowPerforming,
    expectedUpNext: () => upNext(),
  };
}
