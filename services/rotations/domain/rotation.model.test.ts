import { describe, expect, it } from 'vitest';
import {
  FAIR_NIGHT,
  MAX_QUEUED_PER_SINGER,
  mostHeldAtOnce,
  NEWCOMERS_NIGHT,
  playOnModel,
} from '#test/support/karaoke-night-scripts';
import {
  CHANGEOVER_MS,
  createRotationModel,
  DEFAULT_SONG_MS,
  type ModelRequest,
  RotationCornerError,
  type RotationModel,
  turnLengthMs,
} from '#test/support/rotation-model';

describe('the rotation model', () => {
  const turn = (ref: string, singerId: string, durationMs: number | null = 200_000): ModelRequest => ({
    requestId: ref,
    singerId,
    stageName: singerId,
    songId: `song-${ref}`,
    durationMs,
    keyChange: 0,
  });
  const ids = (model: RotationModel) => model.expectedUpNext().map((next) => next.requestId);

  it('reads the join order before the first turn, then the cycle after the cursor', () => {
    const model = createRotationModel();
    model.request(turn('a1', 'A'));
    model.request(turn('b1', 'B'));
    model.request(turn('a2', 'A'));
    model.request(turn('c1', 'C'));
    expect(model.expectedNowPerforming()).toBeNull();
    expect(ids(model)).toEqual(['a1', 'b1', 'c1']);
    model.advance();
    expect(model.expectedNowPerforming()?.requestId).toBe('a1');
    expect(ids(model)).toEqual(['b1', 'c1', 'a2']);
  });

  it('seats a fair latecomer after everyone waiting this round, before the cursor singer', () => {
    const model = createRotationModel();
    model.request(turn('a1', 'A'));
    model.request(turn('b1', 'B'));
    model.request(turn('c1', 'C'));
    model.advance();
    model.advance(); // B performing
    model.request(turn('b2', 'B'));
    model.request(turn('d1', 'D'));
    expect(ids(model)).toEqual(['c1', 'd1', 'b2']);
    model.request(turn('a2', 'A'));
    expect(ids(model)).toEqual(['c1', 'a2', 'd1', 'b2']);
  });

  it('keeps a skipped request first for its singer, who is the cursor until the next turn starts', () => {
    const model = createRotationModel();
    model.request(turn('a1', 'A'));
    model.request(turn('a2', 'A'));
    model.request(turn('b1', 'B'));
    model.request(turn('c1', 'C'));
    model.advance();
    model.skip();
    expect(model.expectedNowPerforming()?.requestId).toBe('b1');
    expect(ids(model)).toEqual(['c1', 'a1']);
  });

  it('moves a singer to an index of up next, the others keeping their order', () => {
    const model = createRotationModel();
    for (const singer of ['A', 'B', 'C', 'D', 'E']) model.request(turn(`${singer}1`, singer));
    model.advance();
    model.move('E', 0);
    expect(ids(model)).toEqual(['E1', 'B1', 'C1', 'D1']);
    model.move('B', 2);
    expect(ids(model)).toEqual(['E1', 'C1', 'B1', 'D1']);
    model.advance();
    expect(ids(model)).toEqual(['C1', 'B1', 'D1']);
  });

  it('changes the key of a waiting request and nothing else', () => {
    const model = createRotationModel();
    model.request(turn('a1', 'A'));
    model.request(turn('b1', 'B'));
    model.changeKey('b1', -3);
    expect(model.expectedUpNext().map((next) => [next.requestId, next.keyChange])).toEqual([
      ['a1', 0],
      ['b1', -3],
    ]);
    model.advance();
    expect(() => model.changeKey('a1', 2)).toThrow(/no pending request/);
  });

  it('skips a singer whose requests ran out and keeps their place for when they ask again', () => {
    const model = createRotationModel();
    model.request(turn('a1', 'A'));
    model.request(turn('b1', 'B'));
    model.request(turn('c1', 'C'));
    model.advance();
    model.advance();
    expect(ids(model)).toEqual(['c1']);
    model.request(turn('a2', 'A'));
    expect(ids(model)).toEqual(['c1', 'a2']);
    model.withdraw('a2');
    expect(ids(model)).toEqual(['c1']);
  });

  it('lets newcomers-first newcomers sing before those who already sang, in join order', () => {
    const model = createRotationModel('newcomers-first');
    model.request(turn('a1', 'A'));
    model.request(turn('b1', 'B'));
    model.request(turn('c1', 'C'));
    model.request(turn('b2', 'B'));
    model.request(turn('a2', 'A'));
    model.advance();
    model.advance();
    model.advance(); // C performing; A and B have sung
    model.request(turn('d1', 'D'));
    model.request(turn('e1', 'E'));
    expect(ids(model)).toEqual(['a2', 'd1', 'e1', 'b2']);
  });

  it('throws at corners of the rule rather than guessing', () => {
    const model = createRotationModel();
    model.request(turn('a1', 'A'));
    model.request(turn('a2', 'A'));
    model.advance();
    expect(() => model.skip()).toThrow(RotationCornerError);
  });

  it('estimates a turn as its song, or 210 s when unknown, plus a 60 s changeover', () => {
    expect(turnLengthMs({ durationMs: 180_000 })).toBe(240_000);
    expect(turnLengthMs({ durationMs: null })).toBe(DEFAULT_SONG_MS + CHANGEOVER_MS);
  });

  it.each([
    ['fair', FAIR_NIGHT],
    ['newcomers-first', NEWCOMERS_NIGHT],
  ] as const)('plays the %s night script to its end without reaching a corner', (fairness, script) => {
    const { model, advances } = playOnModel(fairness, script);
    expect(model.expectedNowPerforming()).toBeNull();
    expect(model.expectedUpNext()).toEqual([]);
    expect(advances).toBeGreaterThanOrEqual(fairness === 'fair' ? 30 : 10);
    expect(mostHeldAtOnce(fairness, script)).toBeLessThanOrEqual(MAX_QUEUED_PER_SINGER);
  });
});
