import { describe, expect, it } from 'vitest';
import { Song } from './contract.ts';
import { columnOf, SONG_SELECT, SongRowJson, songFromFields, songFromRowJson } from './song-row.ts';

const ID = '6f1c1f9e-2f7b-4a43-9c55-0d7f6f1f5b10';

/** A `songs` row as `to_jsonb` writes it into the outbox. */
const rowJson = {
  id: ID,
  title: "Don't Stop Believin'",
  artist: 'Journey',
  album: 'Escape',
  duration_ms: 250_000,
  year: 1981,
  genre: 'rock',
  bpm: 119,
  musical_key: 'E',
  explicit: false,
  language: 'en',
  isrc: 'USSM18100116',
  tags: ['anthem'],
  first_week: '1981-10-31',
  peak: 9,
  weeks: 20,
  version: 7,
  created_at: '2024-05-01T10:00:00+00:00',
  updated_at: '2024-05-02T10:00:00+00:00',
  deleted_at: null,
};

describe('song row mapping', () => {
  it('reads every column of the API song, under its field name, the chart week as a date', () => {
    const selected = SONG_SELECT.split(/, (?=[a-z])/).map((item) => /"(\w+)"$/.exec(item)?.[1] ?? item);
    expect(selected.sort()).toEqual(Object.keys(Song.shape).sort());
    expect(SONG_SELECT).toContain(`to_char(first_week, 'YYYY-MM-DD') AS "firstWeek"`);
    expect(SONG_SELECT).toContain('duration_ms AS "durationMs"');
  });

  it('writes each curator field to its snake_case column', () => {
    expect(columnOf('musicalKey')).toBe('musical_key');
    expect(columnOf('firstWeek')).toBe('first_week');
    expect(columnOf('title')).toBe('title');
  });

  it('turns an outbox row into the song the API shows', () => {
    const song = songFromRowJson(SongRowJson.parse(rowJson));
    expect(Song.parse(song)).toEqual(song);
    expect(song).toMatchObject({ id: ID, durationMs: 250_000, musicalKey: 'E', firstWeek: '1981-10-31' });
    expect(song).not.toHaveProperty('deleted_at');
  });

  it('reads a nullable column missing from an older outbox row as null, a missing title as malformed', () => {
    const { album: _album, bpm: _bpm, ...older } = rowJson;
    const song = songFromRowJson(SongRowJson.parse(older));
    expect(song.album).toBeNull();
    expect(song.bpm).toBeNull();
    const { title: _title, ...untitled } = rowJson;
    expect(SongRowJson.safeParse(untitled).success).toBe(false);
  });

  it('completes curator fields as the database would store them', () => {
    const at = '2024-05-01T10:00:00.000Z';
    const song = songFromFields({ title: 'Hello', artist: 'Adele', year: 2015 }, { id: ID, version: 3, at });
    expect(song).toEqual({
      id: ID,
      title: 'Hello',
      artist: 'Adele',
      album: null,
      durationMs: null,
      year: 2015,
      genre: null,
      bpm: null,
      musicalKey: null,
      explicit: false,
      language: null,
      isrc: null,
      tags: [],
      firstWeek: null,
      peak: null,
      weeks: null,
      hasAudio: false,
      version: 3,
      createdAt: at,
      updatedAt: at,
    });
  });
});
