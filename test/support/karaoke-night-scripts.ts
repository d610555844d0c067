import {
  createRotationModel,
  type Fairness,
  type ModelRequest,
  type RotationModel,
} from './rotation-model.ts';

/**
 * Karaoke nights as scripts of steps, for the rotation model alone (a unit test plays them to their
 * end without reaching a corner of the rule) and for the whole system over HTTP (an end-to-end test
 * compares every step with the model).
 */

export type Singer =
  | 'singer1'
  | 'singer2'
  | 'singer3'
  | 'singer4'
  | 'singer5'
  | 'singer6'
  | 'singer7'
  | 'singer8';
/** A walk-in without an account, added by the KJ under this name. */
export type Guest = `guest:${string}`;
export type Who = Singer | Guest;

export type Step =
  | { do: 'request'; who: Who; ref: string; durationMs: number | null; keyChange?: number }
  | { do: 'withdraw'; ref: string; by: 'singer' | 'kj' }
  | { do: 'key'; ref: string; keyChange: number; by: 'singer' | 'kj' }
  | { do: 'advance' }
  | { do: 'skip' }
  | { do: 'move'; who: Who; position: number };

const WENDY: Guest = 'guest:Walk-in Wendy';
const LARRY: Guest = 'guest:Late Larry';
export const MAX_QUEUED_PER_SINGER = 3;

const request = (
  who: Who,
  ref: string,
  durationMs: number | null,
  keyChange?: number,
): Step & { do: 'request' } => ({ do: 'request', who, ref, durationMs, ...(keyChange ? { keyChange } : {}) });
const advance: Step = { do: 'advance' };
const skip: Step = { do: 'skip' };
const move = (who: Who, position: number): Step => ({ do: 'move', who, position });
const withdraw = (ref: string, by: 'singer' | 'kj'): Step => ({ do: 'withdraw', ref, by });
const key = (ref: string, keyChange: number, by: 'singer' | 'kj'): Step => ({
  do: 'key',
  ref,
  keyChange,
  by,
});

/** The main night, in `fair` mode: eight singers and two walk-ins arriving at different times. */
export const FAIR_NIGHT: Step[] = [
  request('singer1', 'a1', 200_000),
  request('singer2', 'b1', 180_000, -2),
  request('singer3', 'c1', null),
  request('singer1', 'a2', 240_000, 2),
  request('singer4', 'd1', 190_000),
  advance, // singer1 a1
  request('singer5', 'e1', 230_000),
  advance, // singer2 b1
  request('singer2', 'b2', 200_000, -3),
  key('b2', 1, 'singer'),
  request(WENDY, 'w1', 205_000),
  move('singer5', 0),
  advance, // singer5 e1
  skip, // e1 waits for singer5's next turn; singer3 c1
  request('singer6', 'f1', null, 1),
  request('singer4', 'd2', 215_000, 1),
  withdraw('d2', 'singer'),
  request('singer3', 'c2', 195_000),
  key('c2', -4, 'kj'),
  advance, // singer4 d1
  request('singer1', 'a3', null),
  advance, // singer1 a2
  request('singer7', 'g1', 185_000),
  request('singer8', 'h1', 225_000, -1),
  request('singer4', 'd3', 200_000),
  move('singer8', 2),
  advance, // Wendy w1
  request(WENDY, 'w2', 210_000),
  request('singer8', 'h2', 190_000),
  withdraw('h1', 'singer'),
  advance, // singer2 b2
  advance, // singer8 h2
  advance, // singer5 e1, skipped earlier
  request('singer7', 'g2', 200_000),
  withdraw('g2', 'kj'),
  advance, // singer6 f1
  skip, // f1 waits; singer3 c2
  advance, // singer4 d3
  advance, // singer7 g1
  request('singer2', 'b3', 175_000),
  request('singer8', 'h3', 205_000, -6),
  request('singer5', 'e2', 220_000, 6),
  advance, // singer1 a3
  request('singer3', 'c3', 210_000, 3),
  request('singer4', 'd4', null),
  request('singer7', 'g3', 195_000, -4),
  request('singer1', 'a4', 180_000),
  move('singer6', 0),
  move(WENDY, 3),
  move('singer3', 7),
  advance,
  request('singer6', 'f2', 200_000, 5),
  advance,
  request('singer2', 'b4', 230_000),
  advance,
  skip,
  advance,
  request('singer8', 'h4', 190_000),
  advance,
  advance,
  request('singer5', 'e3', 240_000, -5),
  advance,
  advance,
  advance,
  advance,
  advance,
  advance,
  advance,
  advance, // the last song ends and nobody is waiting
  request('singer1', 'a5', 200_000),
  request(LARRY, 'l1', 215_000), // between turns: before the singer who sang last
  advance,
  advance,
  advance,
];

/** A short second night in `newcomers-first` mode: those who have never sung go first. */
export const NEWCOMERS_NIGHT: Step[] = [
  request('singer1', 'a1', 200_000),
  request('singer2', 'b1', 210_000),
  request('singer3', 'c1', 190_000),
  advance, // singer1 a1
  request('singer4', 'd1', 180_000), // after singer3, the last who has not sung
  request('singer1', 'a2', 220_000, 1),
  request('singer2', 'b2', 200_000),
  advance, // singer2 b1
  advance, // singer3 c1
  request('singer5', 'e1', 230_000), // right after the next-up singer4, before singer1 and singer2
  request('singer6', 'f1', 205_000), // after singer5: newcomers in join order
  request('singer3', 'c2', 195_000),
  key('c2', 3, 'singer'),
  advance, // singer4 d1
  request('singer7', 'g1', 195_000),
  request('singer4', 'd2', 185_000),
  request('singer5', 'e2', 215_000, -2),
  request('singer6', 'f2', 225_000),
  advance, // singer5 e1
  advance, // singer6 f1
  advance, // singer7 g1
  request('singer8', 'h1', 185_000), // everyone waiting has sung: right after the next-up singer1
  advance,
  advance,
  advance,
  advance,
  advance,
  advance,
  advance,
  advance,
];

/** Runs a script on the model alone, with the step's ref as request id and `who` as singer id. */
export function playOnModel(fairness: Fairness, script: Step[]): { model: RotationModel; advances: number } {
  const model = createRotationModel(fairness);
  let advances = 0;
  for (const step of script) {
    if (step.do === 'request') model.request(modelRequest(step, step.ref, step.who, step.who));
    else if (step.do === 'withdraw') model.withdraw(step.ref);
    else if (step.do === 'key') model.changeKey(step.ref, step.keyChange);
    else if (step.do === 'advance') {
      model.advance();
      advances++;
    } else if (step.do === 'skip') model.skip();
    else model.move(step.who, step.position);
  }
  return { model, advances };
}

export function modelRequest(
  step: Step & { do: 'request' },
  requestId: string,
  singerId: string,
  stageName: string,
  songId = `song-${step.ref}`,
): ModelRequest {
  return {
    requestId,
    singerId,
    stageName,
    songId,
    durationMs: step.durationMs,
    keyChange: step.keyChange ?? 0,
  };
}

/** Most requests a singer holds at once in a script, pending plus the one being sung. */
export function mostHeldAtOnce(fairness: Fairness, script: Step[]): number {
  const held = new Map<string, Set<string>>();
  const whoseRef = new Map<string, Who>();
  const model = createRotationModel(fairness);
  let most = 0;
  for (const step of script) {
    if (step.do === 'request') {
      whoseRef.set(step.ref, step.who);
      const refs = held.get(step.who) ?? new Set<string>();
      refs.add(step.ref);
      held.set(step.who, refs);
      most = Math.max(most, refs.size);
      model.request(modelRequest(step, step.ref, step.who, step.who));
    } else if (step.do === 'withdraw') {
      held.get(whoseRef.get(step.ref) as Who)?.delete(step.ref);
      model.withdraw(step.ref);
    } else if (step.do === 'key') {
      model.changeKey(step.ref, step.keyChange);
    } else {
      const before = model.expectedNowPerforming();
      if (step.do === 'advance') model.advance();
      else if (step.do === 'skip') model.skip();
      else model.move(step.who, step.position);
      // A completed turn's request is no longer held; a skipped one is pending again.
      if (step.do === 'advance' && before) held.get(before.singerId)?.delete(before.requestId);
    }
  }
  return most;
}
