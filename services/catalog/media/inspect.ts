import { type IAudioMetadata, parseFromTokenizer } from 'music-metadata';
import { AppError } from '#lib/errors';
import type { MediaContentType } from '../contract.ts';
import { endsWithLastFrame, readStreamInfo, tailBytesNeeded } from './flac-tail.ts';
import { type AudioFormat, declaredName, describeNonAudio, formatOf, matchesDeclared } from './formats.ts';
import type { MediaObjects, ObjectFacts } from './objects.ts';
import { RangedTokenizer } from './ranged-tokenizer.ts';

/** What the inspector learns of a ready file. */
export interface AudioFacts {
  format: AudioFormat;
  codec: string;
  durationMs: number;
  bitrate: number | null;
  sampleRate: number;
  channels: number;
  sizeBytes: number;
  sha256: string;
  /** Embedded tags worth keeping: title, artist, album, year, genre, isrc. */
  tags: Record<string, string | number>;
}

export type Inspection =
  | { verdict: 'ready'; etag: string; facts: AudioFacts }
  | { verdict: 'rejected'; etag: string; reason: string }
  /** The object went away while it was read: the event is older than a delete. */
  | { verdict: 'gone' };

export interface Declared {
  contentType: MediaContentType;
  declaredSizeBytes: number;
  /** The configured upload limit. */
  maxBytes: number;
}

const HEAD_BYTES = 4096;
const MB = 1024 * 1024;

/**
 * Looks at an uploaded object and says whether it is the audio the curator declared. Reads only
 * what it needs through ranged GETs (the header, and for some formats the end), then streams the
 * whole object once for its SHA-256; never holds more than a few blocks in memory. A reason is
 * written for the curator. Failures of S3 itself are thrown, so the event is delivered again.
 */
export async function inspectMedia(
  objects: MediaObjects,
  key: string,
  object: ObjectFacts,
  declared: Declared,
): Promise<Inspection> {
  const { etag, size } = object;
  const reject = (reason: string): Inspection => ({ verdict: 'rejected', etag, reason });
  const expected = declaredName(declared.contentType);

  if (size === 0) return reject('The file is empty.');
  if (size > declared.maxBytes) {
    return reject(`The file is ${megabytes(size)}; files may be at most ${megabytes(declared.maxBytes)}.`);
  }
  if (size > declared.declaredSizeBytes) {
    return reject(`The file is ${size} bytes, larger than the ${declared.declaredSizeBytes} bytes declared.`);
  }

  const read = (start: number, end: number) => objects.readRange(key, start, end);
  const head = await read(0, Math.min(size, HEAD_BYTES));
  const notAudio = () => {
    const looks = describeNonAudio(head);
    return reject(
      looks
        ? `The file is ${looks}, not ${expected}.`
        : `The file is not audio the catalog can read (expected ${expected}).`,
    );
  };

  let metadata = await parse(read, size, false);
  if (metadata === 'unreadable') return notAudio();
  // Raw AAC has no header with its length: only reading every frame tells.
  if (metadata.format.duration === undefined && metadata.format.container?.startsWith('ADTS')) {
    metadata = await parse(read, size, true);
    if (metadata === 'unreadable') return notAudio();
  }
  const { container, codec, duration, sampleRate, numberOfChannels, bitrate } = metadata.format;
  const format = formatOf(container, codec);
  if (!format || !codec) {
    return container
      ? reject(`The file is ${describeFormat(container, codec)} audio, not ${expected}.`)
      : notAudio();
  }
  if (!matchesDeclared(declared.contentType, format, codec)) {
    return reject(
      `The file is ${describeFormat(container ?? format, codec)} audio, but was declared as ${expected}.`,
    );
  }
  if (!duration || duration <= 0 || !sampleRate || !numberOfChannels) {
    return reject('The file holds no audio.');
  }
  if (!(await complete(format, metadata, head, size, read))) {
    return reject(
      'The file ends before its audio does: it was probably cut short while uploading or copying.',
    );
  }
  const digest = await objects.digest(key);
  if (!digest) return { verdict: 'gone' };
  if (digest.size !== size) throw new ObjectChangedError(`${key} changed while it was inspected`);
  return {
    verdict: 'ready',
    etag,
    facts: {
      format,
      codec,
      durationMs: Math.round(duration * 1000),
      bitrate: bitrate ? Math.round(bitrate) : null,
      sampleRate,
      channels: numberOfChannels,
      sizeBytes: size,
      sha256: digest.sha256,
      tags: tagsOf(metadata),
    },
  };
}

/** The object was replaced while it was read: inspect it again. */
export class ObjectChangedError extends Error {}

async function parse(
  read: (start: number, end: number) => Promise<Uint8Array>,
  size: number,
  fullScan: boolean,
): Promise<IAudioMetadata | 'unreadable'> {
  const tokenizer = new RangedTokenizer(read, { size });
  try {
    return await parseFromTokenizer(tokenizer, { duration: fullScan, skipCovers: true });
  } catch (error) {
    // Failures to read the object are S3's; everything else is the parser refusing the bytes.
    if (error instanceof AppError) throw error;
    return 'unreadable';
  }
}

/**
 * Whether the audio the header announces is all there. Formats whose header states the length
 * are checked against the bytes: a WAV's samples must fit in the file; a FLAC must end with its
 * last frame. The others are parsed frame by frame, so a short file simply reads as shorter.
 */
async function complete(
  format: AudioFormat,
  metadata: IAudioMetadata,
  head: Uint8Array,
  size: number,
  read: (start: number, end: number) => Promise<Uint8Array>,
): Promise<boolean> {
  if (format === 'wav') {
    const { numberOfSamples, numberOfChannels, bitsPerSample } = metadata.format;
    if (!numberOfSamples || !numberOfChannels || !bitsPerSample) return true;
    return (numberOfSamples * numberOfChannels * bitsPerSample) / 8 <= size;
  }
  if (format === 'flac') {
    const info = readStreamInfo(head);
    if (!info) return true;
    const tail = await read(Math.max(0, size - tailBytesNeeded(info)), size);
    return endsWithLastFrame(tail, info);
  }
  return true;
}

function tagsOf(metadata: IAudioMetadata): Record<string, string | number> {
  const { title, artist, album, year, genre, isrc } = metadata.common;
  const tags: Record<string, string | number | undefined> = {
    title,
    artist,
    album,
    year,
    genre: genre?.[0],
    isrc: isrc?.[0],
  };
  return Object.fromEntries(
    Object.entries(tags)
      .filter((entry): entry is [string, string | number] => entry[1] !== undefined && entry[1] !== '')
      .map(([name, value]) => [name, typeof value === 'string' ? value.slice(0, 300) : value]),
  );
}

const describeFormat = (container: string, codec: string | undefined) =>
  codec && codec !== container ? `${container} (${codec})` : container;

const megabytes = (bytes: number) => `${Math.round((bytes / MB) * 10) / 10} MB`;
