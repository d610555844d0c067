/**
 * Where an item sits in a playlist: a rank, a string of base-62 digits compared byte by byte
 * (PostgreSQL `COLLATE "C"`, JavaScript `<`). A playlist's order is its items sorted by rank.
 *
 * The rule: placing an item writes that item's rank and nothing else, a rank strictly between
 * its new neighbours' ranks, so inserts and moves never renumber the list and a client's view of
 * every other item's place stays true. Ranks are read as fractions in base 62 (`"V"` is 0.5), so
 * there is always room between two of them; what grows is their length, by about one digit per
 * six placements into the same gap. When a placement would need a rank longer than
 * {@link MAX_RANK_LENGTH}, the neighbourhood of the placement is spread out again: the smallest
 * window around it (8, 16, 32… items, at last the whole list) whose outer neighbours leave room
 * for evenly spaced ranks of at most half that length. That is rare (only a long run of placements into one gap
 * causes it) and writes only the window's items.
 *
 * Ranks never end in the smallest digit `0`, so below any rank there is always another.
 */

export const RANK_DIGITS = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

/** Longest rank a placement writes; past it, the neighbourhood is spread out again. */
export const MAX_RANK_LENGTH = 24;

const BASE = RANK_DIGITS.length;
const digitOf = (char: string | undefined) => (char === undefined ? 0 : RANK_DIGITS.indexOf(char));
const RANK = /^[0-9A-Za-z]*[1-9A-Za-z]$/;

/** Whether `value` is a rank this module could have made: base-62 digits, not ending in `0`. */
export function isRank(value: string): boolean {
  return RANK.test(value);
}

/**
 * A rank strictly between `low` and `high` (null: no bound on that side), as short as the gap
 * allows. Throws unless `low < high`.
 */
export function rankBetween(low: string | null, high: string | null): string {
  if (low !== null && high !== null && !(low < high)) {
    throw new RangeError(`no rank between ${low} and ${high}: they are not in order`);
  }
  return midpoint(low ?? '', high);
}

/** The fraction midway between `low` ('' is 0) and `high` (null is 1), digit by digit. */
function midpoint(low: string, high: string | null): string {
  if (high !== null) {
    // A shared prefix stays; the midpoint is found in what follows it.
    let shared = 0;
    while ((low[shared] ?? '0') === high[shared]) shared++;
    if (shared > 0) return high.slice(0, shared) + midpoint(low.slice(shared), high.slice(shared));
  }
  const lowDigit = digitOf(low[0]);
  const highDigit = high === null ? BASE : digitOf(high[0]);
  if (highDigit - lowDigit > 1) return RANK_DIGITS[Math.round((lowDigit + highDigit) / 2)] as string;
  // Adjacent first digits: `high` cut after its first digit lies between, unless that is all it is.
  if (high !== null && high.length > 1) return high.slice(0, 1);
  return (RANK_DIGITS[lowDigit] as string) + midpoint(low.slice(1), null);
}

/** `count` ranks in order, strictly between `low` and `high`, spread evenly (bisection). */
export function spreadRanks(low: string | null, high: string | null, count: number): string[] {
  if (count <= 0) return [];
  const middle = rankBetween(low, high);
  const below = Math.floor((count - 1) / 2);
  return [...spreadRanks(low, middle, below), middle, ...spreadRanks(middle, high, count - 1 - below)];
}

/** What a placement writes: the placed item's rank, and new ranks for a spread-out window, if any. */
export interface Placement {
  rank: string;
  /** New ranks of other items, by their index in the `ranks` the placement was given. */
  respread: Array<{ index: number; rank: string }>;
}

/**
 * Where an item goes so that it ends up at `index` (0: first; `ranks.length`: last) of a list
 * whose other items have `ranks`, in order (for a move, without the moved item). See the module
 * rule: usually only the placed item's rank; rarely a spread-out window around it.
 */
export function placeAt(ranks: readonly string[], index: number): Placement {
  if (!Number.isInteger(index) || index < 0 || index > ranks.length) {
    throw new RangeError(`index ${index} is outside 0…${ranks.length}`);
  }
  const rank = rankBetween(ranks[index - 1] ?? null, ranks[index] ?? null);
  if (rank.length <= MAX_RANK_LENGTH) return { rank, respread: [] };
  for (let half = 4; ; half *= 2) {
    const from = Math.max(0, index - half);
    const to = Math.min(ranks.length, index + half);
    const whole = from === 0 && to === ranks.length;
    // The window's items plus the placed one, between the neighbours just outside the window.
    const spread = spreadRanks(ranks[from - 1] ?? null, ranks[to] ?? null, to - from + 1);
    // Spread ranks of at most half the limit leave room for many placements before the next spread.
    if (whole || spread.every((candidate) => candidate.length <= MAX_RANK_LENGTH / 2)) {
      const placed = index - from;
      return {
        rank: spread[placed] as string,
        respread: spread
          .filter((_, position) => position !== placed)
          .map((newRank, position) => ({ index: from + position, rank: newRank })),
      };
    }
  }
}
