import type { MediaContentType } from '../contract.ts';

/** The audio formats the catalog accepts, as the inspector names them. */
export type AudioFormat = 'mp3' | 'aac' | 'm4a' | 'wav' | 'flac' | 'ogg';

/**
 * What each declared content type allows. AAC comes raw (ADTS) or in an MP4 container, and browsers
 * are not consistent about which type they give each, so the AAC types accept both.
 */
const ALLOWED: Record<MediaContentType, { formats: AudioFormat[]; codecs?: RegExp; name: string }> = {
  'audio/mpeg': { formats: ['mp3'], name: 'an MP3' },
  'audio/mp3': { formats: ['mp3'], name: 'an MP3' },
  'audio/aac': { formats: ['aac', 'm4a'], name: 'AAC audio' },
  'audio/x-aac': { formats: ['aac', 'm4a'], name: 'AAC audio' },
  'audio/mp4': { formats: ['m4a', 'aac'], name: 'an M4A (AAC) file' },
  'audio/x-m4a': { formats: ['m4a', 'aac'], name: 'an M4A (AAC) file' },
  'audio/m4a': { formats: ['m4a', 'aac'], name: 'an M4A (AAC) file' },
  'audio/wav': { formats: ['wav'], name: 'a WAV' },
  'audio/x-wav': { formats: ['wav'], name: 'a WAV' },
  'audio/wave': { formats: ['wav'], name: 'a WAV' },
  'audio/vnd.wave': { formats: ['wav'], name: 'a WAV' },
  'audio/flac': { formats: ['flac'], name: 'a FLAC' },
  'audio/x-flac': { formats: ['flac'], name: 'a FLAC' },
  'audio/ogg': { formats: ['ogg'], name: 'an Ogg (Vorbis or Opus) file' },
  'audio/opus': { formats: ['ogg'], codecs: /^opus$/i, name: 'an Opus file' },
};

/** How a curator would name the declared type: "an MP3", "a WAV". */
export const declaredName = (contentType: MediaContentType) => ALLOWED[contentType].name;

/**
 * The accepted format a parsed file is, from the container and codec music-metadata reports, or
 * null when it is none of them (an MP2, Ogg FLAC, an MP4 with ALAC…).
 */
export function formatOf(container: string | undefined, codec: string | undefined): AudioFormat | null {
  const c = container ?? '';
  const k = codec ?? '';
  if (c === 'MPEG' && /Layer 3$/.test(k)) return 'mp3';
  if (c.startsWith('ADTS') && /AAC/.test(k)) return 'aac';
  if (c.startsWith('M4A') && /AAC/.test(k)) return 'm4a';
  if (c === 'WAVE' && /^(PCM|IEEE_FLOAT)/.test(k)) return 'wav';
  if (c === 'FLAC' && k === 'FLAC') return 'flac';
  if (c === 'Ogg' && /^(Vorbis|Opus)/.test(k)) return 'ogg';
  return null;
}

/** Whether a file of this format and codec is what the curator declared. */
export function matchesDeclared(contentType: MediaContentType, format: AudioFormat, codec: string): boolean {
  const allowed = ALLOWED[contentType];
  return allowed.formats.includes(format) && (allowed.codecs?.test(codec) ?? true);
}

/** The file extension a download gets. */
export function extensionOf(format: AudioFormat, codec: string | null): string {
  if (format === 'ogg' && /^opus/i.test(codec ?? '')) return 'opus';
  return format;
}

const SIGNATURES: Array<[string, (head: Uint8Array) => boolean]> = [
  ['a PNG image', (h) => startsWith(h, [0x89, 0x50, 0x4e, 0x47])],
  ['a JPEG image', (h) => startsWith(h, [0xff, 0xd8, 0xff])],
  ['a GIF image', (h) => ascii(h, 0, 4) === 'GIF8'],
  ['a PDF document', (h) => ascii(h, 0, 5) === '%PDF-'],
  ['a ZIP archive', (h) => startsWith(h, [0x50, 0x4b, 0x03, 0x04])],
  ['a video', (h) => ascii(h, 0, 4) === 'RIFF' && ascii(h, 8, 12) === 'AVI '],
];

/**
 * What a file that is not audio looks like, for the curator: "a PNG image", "text"; null when
 * its first bytes say nothing recognisable.
 */
export function describeNonAudio(head: Uint8Array): string | null {
  for (const [name, matches] of SIGNATURES) if (matches(head)) return name;
  if (head.length > 0 && looksLikeText(head)) return 'text';
  return null;
}

function looksLikeText(head: Uint8Array): boolean {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(head);
  const printable = [...text].filter((ch) => /[\p{L}\p{N}\p{P}\p{S}\p{Zs}\t\r\n]/u.test(ch)).length;
  return printable / Math.max(1, [...text].length) > 0.95;
}

const startsWith = (head: Uint8Array, bytes: number[]) => bytes.every((byte, i) => head[i] === byte);
const ascii = (head: Uint8Array, from: number, to: number) =>
  String.fromCharCode(...head.subarray(from, Math.min(to, head.length)));
