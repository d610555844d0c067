import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isRank, MAX_RANK_LENGTH, placeAt, RANK_DIGITS, rankBetween, spreadRanks } from './positions.ts';

const RUNS = { numRuns: 200 };

const rank = fc
  .tuple(
    fc.string({ unit: fc.constantFrom(...RANK_DIGITS), maxLength: 12 }),
    fc.constantFrom(...RANK_DIGITS.slice(1)),
  )
  .map(([body, last]) => body + last);

/** Two distinct ranks, in order. */
const orderedPair = fc
  .tuple(rank, rank)
  .filter(([a, b]) => a !== b)
  .map(([a, b]) => (a < b ? ([a, b] as const) : ([b, a] as const)));

type Step =
  | { kind: 'insert'; at: number }
  | { kind: 'move'; from: number; to: number }
  | { kind: 'remove'; at: number };

/** Positions are drawn as fractions of the list's length at the time, so every step is valid. */
const step: fc.Arbitrary<{ kind: Step['kind']; a: number; b: number }> = fc.record({
  kind: fc.constantFrom('insert', 'insert', 'move', 'move', 'remove'),
  a: fc.double({ min: 0, max: 1, noNaN: true }),
  b: fc.double({ min: 0, max: 1, noNaN: true }),
});
const pick = (fraction: number, length: number) => Math.min(length - 1, Math.floor(fraction * length));
const pickGap = (fraction: number, length: number) => Math.min(length, Math.floor(fraction * (length + 1)));

interface Ranked {
  id: number;
  rank: string;
}

/** Applies a placement to a list sorted by rank, as the store does: one write, or a spread window too. */
function place(list: Ranked[], id: number, index: number): Ranked[] {
  const { rank: placed, respread } = placeAt(
    list.map((item) => item.rank),
    index,
  );
  const next = list.map((item) => ({ ...item }));
  for (const { index: at, rank: newRank } of respread) (next[at] as Ranked).rank = newRank;
  next.push({ id, rank: placed });
  return next.sort((x, y) => (x.rank < y.rank ? -1 : x.rank > y.rank ? 1 : 0));
}

describe('ranks', () => {
  it('a rank between two ranks sorts strictly between them, and is a rank', () => {
    fc.assert(
      fc.property(orderedPair, ([low, high]) => {
        const middle = rankBetween(low, high);
        expect(low < middle && middle < high).toBe(true);
        expect(isRank(middle)).toBe(true);
      }),
      RUNS,
    );
  });

  it('there is always a rank below and above any rank', () => {
    fc.assert(
      fc.property(rank, (r) => {
        expect(rankBetween(null, r) < r).toBe(true);
        expect(rankBetween(r, null) > r).toBe(true);
        expect(isRank(rankBetween(null, r))).toBe(true);
        expect(isRank(rankBetween(r, null))).toBe(true);
      }),
      RUNS,
    );
  });

  it('spread ranks are in strict order between their bounds', () => {
    fc.assert(
      fc.property(orderedPair, fc.integer({ min: 0, max: 1000 }), ([low, high], count) => {
        const spread = spreadRanks(low, high, count);
        expect(spread).toHaveLength(count);
        const withBounds = [low, ...spread, high];
        for (let i = 1; i < withBounds.length; i++) {
          expect((withBounds[i - 1] as string) < (withBounds[i] as string)).toBe(true);
        }
      }),
      { numRuns: 50 },
    );
  });
});

describe('placing items keeps the order a plain list would have', () => {
  it('inserts, moves and removes end in the same order as the same steps on an array', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 120 }), (steps) => {
        let model: number[] = [];
        let ranked: Ranked[] = [];
        let nextId = 0;
        for (const { kind, a, b } of steps) {
          if (kind === 'insert' || model.length === 0) {
            const at = pickGap(a, model.length);
            const id = nextId++;
            model.splice(at, 0, id);
            ranked = place(ranked, id, at);
          } else if (kind === 'move') {
            const from = pick(a, model.length);
            const id = model[from] as number;
            model.splice(from, 1);
            const to = pickGap(b, model.length);
            model.splice(to, 0, id);
            ranked = place(
              ranked.filter((item) => item.id !== id),
              id,
              to,
            );
          } else {
            const at = pick(a, model.length);
            const id = model[at] as number;
            model = model.filter((other) => other !== id);
            ranked = ranked.filter((item) => item.id !== id);
          }
          expect(ranked.map((item) => item.id)).toEqual(model);
          expect(new Set(ranked.map((item) => item.rank)).size).toBe(ranked.length);
        }
      }),
      RUNS,
    );
  });

  it('a placement writes only the placed item while its gap has room', () => {
    fc.assert(
      fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
        let ranked: Ranked[] = [];
        steps.forEach(({ a }, id) => {
          const at = pickGap(a, ranked.length);
          const before = ranked.map((item) => item.rank);
          const { rank: placed, respread } = placeAt(before, at);
          if (placed.length <= MAX_RANK_LENGTH && respread.length === 0) {
            ranked = place(ranked, id, at);
            // Every other item kept its rank.
            expect(ranked.filter((item) => item.id !== id).map((item) => item.rank)).toEqual(before);
          } else {
            ranked = place(ranked, id, at);
          }
        });
      }),
      RUNS,
    );
  });

  it('ranks stay short even when every insert goes into the same gap', () => {
    for (const at of ['front', 'back', 'second'] as const) {
      let ranked: Ranked[] = [];
      let spreads = 0;
      for (let id = 0; id < 1000; id++) {
        const index = at === 'front' ? 0 : at === 'back' ? ranked.length : Math.min(1, ranked.length);
        const { respread } = placeAt(
          ranked.map((item) => item.rank),
          index,
        );
        if (respread.length > 0) spreads++;
        ranked = place(ranked, id, index);
        expect(Math.max(...ranked.map((item) => item.rank.length))).toBeLessThanOrEqual(MAX_RANK_LENGTH);
      }
      // Spreading out is the exception, not the way every placement works.
      expect(spreads).toBeLessThan(50);
    }
  });
});
