import { describe, expect, it } from 'vitest';
import type { Song } from '../contract.ts';
import {
  INDEX_GENERATION,
  POPULARITY,
  physicalIndexName,
  popularityDistance,
  popularityScore,
  songDocument,
  songIndexMappings,
  songIndexSettings,
  songTombstone,
  splitArtistCredit,
} from './index-definition.ts';

describe('splitArtistCredit', () => {
  const cases: Array<[string, string[]]> = [
    ['Adele', ['Adele']],
    ['Drake Featuring Rihanna', ['Drake', 'Rihanna']],
    ['Luis Fonsi & Daddy Yankee Featuring Justin Bieber', ['Luis Fonsi', 'Daddy Yankee', 'Justin Bieber']],
    ['Brandy, Tamia, Gladys Knight & Chaka Khan', ['Brandy', 'Tamia', 'Gladys Knight', 'Chaka Khan']],
    ['Kygo x Selena Gomez', ['Kygo', 'Selena Gomez']],
    ['Linkin Park X Steve Aoki', ['Linkin Park', 'Steve Aoki']],
    ['Tim McGraw With Faith Hill', ['Tim McGraw', 'Faith Hill']],
    ['Anita Cochran (Duet With Steve Wariner)', ['Anita Cochran', 'Steve Wariner']],
    [
      'Master P Feat. Fiend, Silkk The Shocker, Mia X & Mystikal',
      ['Master P', 'Fiend', 'Silkk The Shocker', 'Mia X', 'Mystikal'],
    ],
    ['Mia X Featuring Charlie Wilson', ['Mia X', 'Charlie Wilson']],
    ['Jamie N Commons & X Ambassadors', ['Jamie N Commons', 'X Ambassadors']],
    ['Lil Nas X Featuring Billy Ray Cyrus', ['Lil Nas X', 'Billy Ray Cyrus']],
    ['Zayn / Taylor Swift', ['Zayn', 'Taylor Swift']],
    ["Pras Michel Feat. Ol' Dirty Bastard & Introducing Mya", ['Pras Michel', "Ol' Dirty Bastard", 'Mya']],
    ['Florence + The Machine', ['Florence + The Machine']],
    ['Drake & DRAKE', ['Drake']],
  ];
  for (const [credit, artists] of cases) {
    it(`${credit} → ${artists.join(' | ')}`, () => {
      expect(splitArtistCredit(credit)).toEqual(artists);
    });
  }
});

describe('physicalIndexName', () => {
  it('names the generation and a suffix that sorts with time', () => {
    expect(physicalIndexName('songs', 'initial')).toBe(`songs-v${INDEX_GENERATION}-initial`);
    const name = physicalIndexName('songs');
    expect(name).toMatch(new RegExp(`^songs-v${INDEX_GENERATION}-\\d{8}t\\d{9}z$`));
    expect(name).toBe(name.toLowerCase());
  });
});

describe('popularity', () => {
  /** What Elasticsearch's `distance_feature` adds for a stored distance, with the query's boost. */
  const scoredAs = (distance: number) =>
    ((POPULARITY.maxScore + POPULARITY.offset) * POPULARITY.pivotMs) / (POPULARITY.pivotMs + distance);

  it('stores a distance that distance_feature scores as the popularity plus the offset', () => {
    for (const [weeks, peak] of [
      [0, null],
      [1, 50],
      [20, 11],
      [20, 10],
      [91, 1],
      [999, 1],
    ] as const) {
      const score = popularityScore(weeks, peak);
      expect(scoredAs(popularityDistance(score))).toBeCloseTo(score + POPULARITY.offset, 6);
    }
  });

  it('grows with weeks on the chart (log-scaled), adds the top-10 bonus, and stops at maxWeeks', () => {
    expect(popularityScore(0, null)).toBe(0);
    expect(popularityScore(9, 50)).toBeCloseTo(POPULARITY.weeks);
    expect(popularityScore(99, 50)).toBeCloseTo(2 * POPULARITY.weeks);
    expect(popularityScore(9, 10) - popularityScore(9, 11)).toBeCloseTo(POPULARITY.top10);
    expect(popularityScore(30_000, 1)).toBe(popularityScore(POPULARITY.maxWeeks, 1));
    expect(popularityScore(POPULARITY.maxWeeks, 1)).toBeLessThanOrEqual(POPULARITY.maxScore);
    expect(popularityDistance(popularityScore(20, 50))).toBeGreaterThan(
      popularityDistance(popularityScore(21, 50)),
    );
  });
});

describe('songDocument', () => {
  const song: Song = {
    id: '0b7f2a63-58f2-4c57-9d4e-2d8d5b7c2f10',
    title: "Don't Stop Believin'",
    artist: 'Journey Featuring Nobody',
    album: null,
    durationMs: 250_000,
    year: 1981,
    genre: 'Rock',
    bpm: 119,
    musicalKey: 'E',
    explicit: false,
    language: 'en',
    isrc: null,
    tags: [],
    firstWeek: null,
    peak: 9,
    weeks: null,
    hasAudio: true,
    version: 17,
    createdAt: '2024-01-01T00:00:00Z',
    updatedAt: '2024-01-01T00:00:00Z',
  };

  it('keeps the searchable, filterable and displayed fields, with the decade and every performer', () => {
    expect(songDocument(song)).toEqual({
      id: song.id,
      title: "Don't Stop Believin'",
      artist: 'Journey Featuring Nobody',
      artists: ['Journey', 'Nobody'],
      year: 1981,
      decade: 1980,
      genre: 'Rock',
      durationMs: 250_000,
      bpm: 119,
      musicalKey: 'E',
      explicit: false,
      hasAudio: true,
      peak: 9,
      weeks: 0,
      popularity: popularityDistance(POPULARITY.top10),
      version: 17,
      deleted: false,
    });
  });

  it('maps every field the index knows and nothing else', () => {
    const mapped = Object.keys(songIndexMappings.properties ?? {});
    for (const field of Object.keys(songDocument(song))) expect(mapped).toContain(field);
    for (const field of Object.keys(songTombstone(song.id, 3))) expect(mapped).toContain(field);
    expect(songIndexMappings.dynamic).toBe('strict');
  });

  it('uses only the analysis parts the local and the managed Elasticsearch both have', () => {
    const analysis = songIndexSettings.analysis ?? {};
    const types = (group: Record<string, unknown> | undefined) =>
      Object.values(group ?? {}).map((part) => (part as { type: string }).type);
    expect(new Set(types(analysis.char_filter))).toEqual(new Set(['pattern_replace', 'mapping']));
    expect(new Set(types(analysis.filter))).toEqual(new Set(['shingle', 'edge_ngram']));
    for (const analyzer of Object.values(analysis.analyzer ?? {})) {
      expect(analyzer).toMatchObject({ type: 'custom', tokenizer: 'standard' });
      const filters = (analyzer as { filter: string[] }).filter;
      for (const filter of filters) {
        expect(['lowercase', 'asciifolding', ...Object.keys(analysis.filter ?? {})]).toContain(filter);
      }
    }
    expect(JSON.stringify(songIndexMappings)).not.toContain('search_as_you_type');
  });
});
