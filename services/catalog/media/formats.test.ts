import { describe, expect, it } from 'vitest';
import { describeNonAudio, extensionOf, formatOf, matchesDeclared } from './formats.ts';

describe('formatOf', () => {
  it('names the accepted formats from container and codec', () => {
    expect(formatOf('MPEG', 'MPEG 1 Layer 3')).toBe('mp3');
    expect(formatOf('ADTS/MPEG-4', 'AAC')).toBe('aac');
    expect(formatOf('M4A/isom/iso2', 'MPEG-4/AAC')).toBe('m4a');
    expect(formatOf('WAVE', 'PCM')).toBe('wav');
    expect(formatOf('FLAC', 'FLAC')).toBe('flac');
    expect(formatOf('Ogg', 'Vorbis I')).toBe('ogg');
    expect(formatOf('Ogg', 'Opus')).toBe('ogg');
  });

  it('refuses what is none of them', () => {
    expect(formatOf('MPEG', 'MPEG 1 Layer 2')).toBeNull();
    expect(formatOf('M4A/M4A', 'ALAC')).toBeNull();
    expect(formatOf('Ogg', 'FLAC')).toBeNull();
    expect(formatOf(undefined, undefined)).toBeNull();
  });
});

describe('matchesDeclared', () => {
  it('holds each declared type to its format', () => {
    expect(matchesDeclared('audio/mpeg', 'mp3', 'MPEG 1 Layer 3')).toBe(true);
    expect(matchesDeclared('audio/mpeg', 'flac', 'FLAC')).toBe(false);
    expect(matchesDeclared('audio/wav', 'mp3', 'MPEG 1 Layer 3')).toBe(false);
    expect(matchesDeclared('audio/mp4', 'aac', 'AAC')).toBe(true);
    expect(matchesDeclared('audio/ogg', 'ogg', 'Opus')).toBe(true);
    expect(matchesDeclared('audio/opus', 'ogg', 'Vorbis I')).toBe(false);
  });
});

describe('describeNonAudio', () => {
  const bytes = (...values: number[]) => new Uint8Array(values);
  it('names images, documents, archives and text', () => {
    expect(describeNonAudio(bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a))).toBe('a PNG image');
    expect(describeNonAudio(bytes(0xff, 0xd8, 0xff, 0xe0))).toBe('a JPEG image');
    expect(describeNonAudio(new TextEncoder().encode('%PDF-1.7\n'))).toBe('a PDF document');
    expect(describeNonAudio(new TextEncoder().encode('Just some notes about a song.\n'))).toBe('text');
  });

  it('says nothing of bytes it does not recognise', () => {
    expect(describeNonAudio(bytes(0x00, 0x01, 0x02, 0x9c, 0xfe))).toBeNull();
  });
});

it('gives Opus files their own extension', () => {
  expect(extensionOf('ogg', 'Opus')).toBe('opus');
  expect(extensionOf('ogg', 'Vorbis I')).toBe('ogg');
  expect(extensionOf('m4a', 'MPEG-4/AAC')).toBe('m4a');
});
