import { describe, expect, it } from 'vitest';
import { jitteredTtlMs, versionedKey } from './redis-cache.ts';

describe('versioned cache keys', () => {
  it('embed the generation of every tag, missing generations as 0', () => {
    expect(versionedKey('t-', 'song:1', ['4', null])).toBe('t-cache:song:1#4.0');
  });

  it('change when any tag generation changes, so an invalidated entry is never read again', () => {
    const before = versionedKey('', 'k', ['7', '2']);
    expect(versionedKey('', 'k', ['8', '2'])).not.toBe(before);
    expect(versionedKey('', 'k', ['7', '3'])).not.toBe(before);
  });
});

describe('TTL jitter', () => {
  it('stays within base ± jitter at both extremes of the random source', () => {
    expect(jitteredTtlMs(300, 0.2, () => 0)).toBe(240_000);
    expect(jitteredTtlMs(300, 0.2, () => 0.999_999)).toBeLessThanOrEqual(360_000);
    expect(jitteredTtlMs(300, 0.2, () => 0.999_999)).toBeGreaterThan(359_000);
    expect(jitteredTtlMs(300, 0.2, () => 0.5)).toBe(300_000);
  });

  it('spreads lifetimes rather than giving every entry the same one', () => {
    const lifetimes = new Set(Array.from({ length: 50 }, () => jitteredTtlMs(60, 0.2)));
    expect(lifetimes.size).toBeGreaterThan(10);
    for (const lifetime of lifetimes) {
      expect(lifetime).toBeGreaterThanOrEqual(48_000);
      expect(lifetime).toBeLessThanOrEqual(72_000);
    }
  });

  it('never gives an entry no lifetime at all', () => {
    expect(jitteredTtlMs(0, 0.2, () => 0)).toBe(1);
  });
});
