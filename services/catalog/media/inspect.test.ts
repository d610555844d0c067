import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { MediaContentType } from '../contract.ts';
import { type Inspection, inspectMedia } from './inspect.ts';
import type { MediaObjects } from './objects.ts';

const FIXTURES = join(import.meta.dirname, '../../../test/fixtures/audio');
const fixture = (name: string) => new Uint8Array(readFileSync(join(FIXTURES, name)));
const MB = 1024 * 1024;

/** One object in memory, read only the ways the inspector may: ranges and one stream. */
function objectOf(bytes: Uint8Array) {
  const ranges: Array<[number, number]> = [];
  const objects: MediaObjects = {
    presignUpload: () => Promise.reject(new Error('not used')),
    presignGet: () => Promise.reject(new Error('not used')),
    head: async () => ({ size: bytes.length, etag: 'etag-1' }),
    readRange: async (_key, start, end) => {
      ranges.push([start, end]);
      return bytes.slice(start, end);
    },
    digest: async () => ({ sha256: createHash('sha256').update(bytes).digest('hex'), size: bytes.length }),
    remove: async () => {},
  };
  return { objects, ranges };
}

async function inspect(
  name: string,
  contentType: MediaContentType,
  declaredSizeBytes?: number,
): Promise<Inspection> {
  const bytes = fixture(name);
  const { objects } = objectOf(bytes);
  return inspectMedia(
    objects,
    'media/key',
    { size: bytes.length, etag: 'etag-1' },
    { contentType, declaredSizeBytes: declaredSizeBytes ?? bytes.length, maxBytes: 200 * MB },
  );
}

describe('a real file of every accepted format is ready, with what it holds', () => {
  const cases: Array<[string, MediaContentType, string, string, number]> = [
    ['tone.mp3', 'audio/mpeg', 'mp3', 'MPEG 2 Layer 3', 3056],
    ['tone.m4a', 'audio/mp4', 'm4a', 'MPEG-4/AAC', 3046],
    ['tone.aac', 'audio/aac', 'aac', 'AAC', 3000],
    ['tone.wav', 'audio/wav', 'wav', 'PCM', 3000],
    ['tone.flac', 'audio/flac', 'flac', 'FLAC', 3000],
    ['tone.ogg', 'audio/ogg', 'ogg', 'Vorbis I', 3000],
    ['tone.opus', 'audio/opus', 'ogg', 'Opus', 3000],
  ];
  it.each(cases)('%s as %s', async (name, contentType, format, codec, durationMs) => {
    const inspection = await inspect(name, contentType);
    expect(inspection.verdict, JSON.stringify(inspection)).toBe('ready');
    if (inspection.verdict !== 'ready') return;
    expect(inspection.facts).toMatchObject({ format, codec, sizeBytes: fixture(name).length });
    expect(Math.abs(inspection.facts.durationMs - durationMs)).toBeLessThanOrEqual(durationMs * 0.01);
    expect(inspection.facts.sampleRate).toBeGreaterThan(0);
    expect(inspection.facts.channels).toBeGreaterThan(0);
    expect(inspection.facts.sha256).toBe(createHash('sha256').update(fixture(name)).digest('hex'));
  });

  it('keeps the embedded tags', async () => {
    const inspection = await inspect('tone.flac', 'audio/flac');
    expect(inspection.verdict === 'ready' && inspection.facts.tags).toMatchObject({
      title: 'Fixture_Tone',
      artist: 'Karaoke_Suite',
    });
  });

  it('reads a file in ranges, never the whole of it in one request', async () => {
    const bytes = fixture('tone.flac');
    const { objects, ranges } = objectOf(bytes);
    await inspectMedia(
      objects,
      'k',
      { size: bytes.length, etag: 'e' },
      {
        contentType: 'audio/flac',
        declaredSizeBytes: bytes.length,
        maxBytes: MB,
      },
    );
    expect(ranges.length).toBeGreaterThan(0);
    for (const [start, end] of ranges) expect(end - start).toBeLessThanOrEqual(256 * 1024);
  });
});

describe('a file that is not what it claims is rejected with a reason a curator understands', () => {
  const rejected = async (name: string, contentType: MediaContentType, declared?: number) => {
    const inspection = await inspect(name, contentType, declared);
    expect(inspection.verdict, JSON.stringify(inspection)).toBe('rejected');
    return inspection.verdict === 'rejected' ? inspection.reason : '';
  };

  it('a text file named .mp3', async () => {
    expect(await rejected('text-named.mp3', 'audio/mpeg')).toBe('The file is text, not an MP3.');
  });

  it('a PNG declared as audio/mpeg', async () => {
    expect(await rejected('image.png', 'audio/mpeg')).toBe('The file is a PNG image, not an MP3.');
  });

  it('a WAV header with no data', async () => {
    expect(await rejected('header-only.wav', 'audio/wav')).toBe('The file holds no audio.');
  });

  it('a truncated FLAC', async () => {
    expect(await rejected('truncated.flac', 'audio/flac')).toMatch(/^The file ends before its audio does/);
  });

  it('a zero-length object', async () => {
    expect(await rejected('empty.mp3', 'audio/mpeg', 1)).toBe('The file is empty.');
  });

  it('a real file of another format than declared', async () => {
    expect(await rejected('tone.flac', 'audio/mpeg')).toBe(
      'The file is FLAC audio, but was declared as an MP3.',
    );
    expect(await rejected('tone.ogg', 'audio/opus')).toMatch(
      /Ogg \(Vorbis I\) audio, but was declared as an Opus file/,
    );
  });

  it('an object larger than declared', async () => {
    expect(await rejected('tone.mp3', 'audio/mpeg', 1000)).toMatch(/larger than the 1000 bytes declared/);
  });

  it('an object larger than the configured limit, whatever was declared', async () => {
    const bytes = fixture('tone.mp3');
    const { objects } = objectOf(bytes);
    const inspection = await inspectMedia(
      objects,
      'k',
      { size: bytes.length, etag: 'e' },
      {
        contentType: 'audio/mpeg',
        declaredSizeBytes: 10 * MB,
        maxBytes: 4096,
      },
    );
    expect(inspection).toMatchObject({
      verdict: 'rejected',
      reason: expect.stringMatching(/may be at most/),
    });
  });
});
