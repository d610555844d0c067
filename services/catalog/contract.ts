import { createRoute, z } from '@hono/zod-openapi';
import { PageCursor } from '#lib/cursor';
import { jsonBody, jsonResponse } from '#lib/openapi';
import { CONTROL_CHARACTERS_CLASS, FORMAT_CHARACTERS_CLASS, storable } from '#lib/text';

/**
 * What callers may know of the catalog service: its internal routes and the shapes that cross
 * them. The service's routes and every caller's client are built from this module alone.
 */
export const basePath = '/internal/catalog';

/** Musical keys as KJs write them: a tonic with optional accidental, `m` for minor (`C#m`, `Bb`). */
const MUSICAL_KEY = /^[A-G](#|b)?m?$/;
const ISRC = /^[A-Z]{2}[A-Z0-9]{3}\d{7}$/;

/** Trimmed text of 1–`max` characters that storage can hold (`#lib/text`). */
const text = (max: number) => storable(z.string().trim().min(1).max(max));

/** Fields a curator may set on a song. Chart facts come from the imported catalog. */
export const SongFields = z.object({
  title: text(300).openapi({ example: "Don't Stop Believin'" }),
  artist: text(300).openapi({ example: 'Journey' }),
  album: text(300).nullable().optional(),
  durationMs: z
    .number()
    .int()
    .min(1000)
    .max(60 * 60 * 1000)
    .nullable()
    .optional(),
  year: z.number().int().min(1900).max(2100).nullable().optional(),
  genre: text(60).nullable().optional(),
  bpm: z.number().int().min(20).max(400).nullable().optional(),
  musicalKey: z.string().regex(MUSICAL_KEY, 'a key like C, F#, Bb or Am').nullable().optional(),
  explicit: z.boolean().optional(),
  language: z
    .string()
    .regex(/^[a-z]{2,3}$/, 'an ISO 639 language code like en')
    .nullable()
    .optional(),
  isrc: z.string().regex(ISRC, 'a 12-character ISRC like USSM18100116').nullable().optional(),
  tags: z.array(text(40)).max(30).optional(),
  firstWeek: z.iso.date().nullable().optional(),
  peak: z.number().int().min(1).max(100).nullable().optional(),
  weeks: z.number().int().min(0).max(1000).nullable().optional(),
});

export const CreateSong = SongFields.strict().openapi('CreateSong');
export type CreateSong = z.infer<typeof CreateSong>;

export const UpdateSong = SongFields.partial()
  .strict()
  .refine((patch) => Object.keys(patch).length > 0, 'send at least one field to change')
  .openapi('UpdateSong', { minProperties: 1 });
export type UpdateSong = z.infer<typeof UpdateSong>;

export const Song = z
  .object({
    id: z.uuid(),
    title: z.string(),
    artist: z.string(),
    album: z.string().nullable(),
    durationMs: z.number().int().nullable(),
    year: z.number().int().nullable(),
    genre: z.string().nullable(),
    bpm: z.number().int().nullable(),
    musicalKey: z.string().nullable(),
    explicit: z.boolean(),
    language: z.string().nullable(),
    isrc: z.string().nullable(),
    tags: z.array(z.string()),
    firstWeek: z.string().nullable(),
    peak: z.number().int().nullable(),
    weeks: z.number().int().nullable(),
    /** Whether the song has media ready to stream (set by the media inspector). */
    hasAudio: z.boolean(),
    /** From the global change sequence; orders every change to this song. */
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Song');
export type Song = z.infer<typeof Song>;

const optionalInt = (min: number, max: number) => z.coerce.number().int().min(min).max(max).optional();

/** Query string of a search, as the search box sends it. Long input is cut, never refused. */
export const SearchParams = z.object({
  q: storable(z.string())
    .optional()
    .transform((q) => (q ?? '').slice(0, 200)),
  limit: z.coerce.number().int().min(1).max(50, 'at most 50 results per page').default(20),
  cursor: PageCursor.optional(),
  decade: z.coerce
    .number()
    .int()
    .min(1900)
    .max(2090)
    .multipleOf(10, 'a decade like 1990')
    .optional()
    .openapi({ multipleOf: 10 }),
  genre: storable(z.string().trim().min(1).max(60)).optional(),
  minDurationMs: optionalInt(0, 3_600_000),
  maxDurationMs: optionalInt(0, 3_600_000),
  minBpm: optionalInt(0, 400),
  maxBpm: optionalInt(0, 400),
  key: storable(z.string().max(4)).optional(),
  explicit: z.enum(['true', 'false']).optional(),
  hasAudio: z.enum(['true', 'false']).optional(),
  facets: z
    .enum(['true', 'false'])
    .optional()
    .openapi({
      description:
        "`true` for a results page: count every match (`totalExact` true) and each facet's values. " +
        'Without it the answer is what a search box shows: the songs, a total counted up to 100, ' +
        'empty facets.',
    }),
});
export type SearchParams = z.infer<typeof SearchParams>;

const FacetCount = z.object({ value: z.string(), count: z.number().int() });
export const SearchResult = z
  .object({
    items: z.array(
      Song.pick({
        id: true,
        title: true,
        artist: true,
        year: true,
        genre: true,
        durationMs: true,
        explicit: true,
        hasAudio: true,
        version: true,
      }),
    ),
    total: z
      .number()
      .int()
      .openapi({
        description:
          'Matching songs: every one when `totalExact` is true; otherwise at least this many ' +
          '(without `facets=true` matches are counted up to 100).',
      }),
    totalExact: z.boolean().openapi({
      description: 'Whether `total` counts every match: always true with `facets=true`.',
    }),
    cursor: z.string().nullable(),
    facets: z
      .object({
        decade: z.array(FacetCount),
        genre: z.array(FacetCount),
        explicit: z.array(FacetCount),
      })
      .openapi({
        description:
          'Song counts per value, with `facets=true` only (otherwise every list is empty). Each facet ' +
          'counts under every other filter but its own, so a search filtered to one decade still says ' +
          'how many songs the other decades would give.',
      }),
  })
  .openapi('SongSearchResult');
export type SearchResult = z.infer<typeof SearchResult>;

export const ImportBatch = z.object({ songs: z.array(CreateSong).min(1).max(1000) });
export const ImportResult = z.object({
  inserted: z.number().int(),
  updated: z.number().int(),
  unchanged: z.number().int(),
});
export type ImportResult = z.infer<typeof ImportResult>;

const SongId = z.object({ id: z.uuid({ error: 'must be a song id (uuid)' }) });

/** The most songs one lookup may name: a playlist's whole length. */
export const MAX_LOOKUP_IDS = 1000;
/** Several songs by id at once (a playlist's songs), so a reader makes one call, not one per song. */
export const SongLookup = z
  .object({
    ids: z
      .array(z.uuid({ error: 'must be a song id (uuid)' }))
      .min(1, 'at least one song id')
      .max(MAX_LOOKUP_IDS, `at most ${MAX_LOOKUP_IDS} song ids`),
  })
  .strict()
  .openapi('SongLookup');
export type SongLookup = z.infer<typeof SongLookup>;
/** The songs found, in no particular order; an id with no song (never was, or deleted) is left out. */
export const SongLookupResult = z.object({ songs: z.array(Song) }).openapi('SongLookupResult');
export type SongLookupResult = z.infer<typeof SongLookupResult>;

/** The audio a curator may upload, by the content type the browser declares for the file. */
export const MEDIA_CONTENT_TYPES = [
  'audio/mpeg',
  'audio/mp3',
  'audio/aac',
  'audio/x-aac',
  'audio/mp4',
  'audio/x-m4a',
  'audio/m4a',
  'audio/wav',
  'audio/x-wav',
  'audio/wave',
  'audio/vnd.wave',
  'audio/flac',
  'audio/x-flac',
  'audio/ogg',
  'audio/opus',
] as const;
export type MediaContentType = (typeof MEDIA_CONTENT_TYPES)[number];

/**
 * A file name as the curator's machine named it. It is kept for display only (object keys carry no
 * user text): directories are dropped and quotes removed; control characters are refused.
 */
const FileName = storable(z.string().max(255, 'at most 255 characters'))
  .refine((name) => !/\p{Cf}/u.test(name), 'must not contain invisible format characters')
  .transform((name) => (name.split(/[\\/]/).pop() ?? '').replace(/["'`]/g, '').trim())
  .refine((name) => name !== '' && name !== '.' && name !== '..', 'must name a file')
  .openapi({ pattern: fileNamePattern() });

/**
 * {@link FileName}'s rules as one pattern: no control or invisible format character anywhere, and a
 * last path segment with a character that is not a quote, a space or a dot.
 */
function fileNamePattern(): string {
  const never = `${CONTROL_CHARACTERS_CLASS}${FORMAT_CHARACTERS_CLASS}`;
  return `^(?:[^${never}]*[\\\\/])?[^${never}\\\\/]*[^${never}\\\\/\\s"'\\x60.][^${never}\\\\/]*$`;
}

export const MediaUploadRequest = z
  .object({
    fileName: FileName.openapi({ example: 'Journey - Dont Stop Believin.mp3' }),
    contentType: z
      .string()
      .trim()
      .toLowerCase()
      .pipe(z.enum(MEDIA_CONTENT_TYPES, { error: `one of ${MEDIA_CONTENT_TYPES.join(', ')}` }))
      .openapi({ enum: [...MEDIA_CONTENT_TYPES], description: 'Read in any case, around spaces trimmed' }),
    sizeBytes: z
      .number()
      .int()
      .min(1, 'an empty file is no audio')
      .max(5 * 1024 ** 3, 'at most 5 GiB, what one S3 upload takes'),
  })
  .strict()
  .openapi('MediaUploadRequest');
export type MediaUploadRequest = z.infer<typeof MediaUploadRequest>;

export const MediaUpload = z
  .object({
    mediaId: z.uuid(),
    upload: z.object({ url: z.url(), fields: z.record(z.string(), z.string()) }).openapi({
      description: 'An S3 presigned POST: send the fields, then the file, as multipart/form-data',
    }),
    expiresAt: z.string(),
  })
  .openapi('MediaUpload');
export type MediaUpload = z.infer<typeof MediaUpload>;

export const MediaStatus = z.enum(['pending', 'ready', 'rejected']);
export type MediaStatus = z.infer<typeof MediaStatus>;

/** One uploaded file of a song and what the inspector found in it. */
export const Media = z
  .object({
    mediaId: z.uuid(),
    songId: z.uuid(),
    status: MediaStatus,
    /** Why the file was rejected, for the curator. */
    reason: z.string().optional(),
    fileName: z.string(),
    contentType: z.string(),
    /** `mp3`, `aac`, `m4a`, `wav`, `flac` or `ogg`, once inspected. */
    format: z.string().nullable(),
    codec: z.string().nullable(),
    durationMs: z.number().int().nullable(),
    bitrate: z.number().int().nullable(),
    sampleRate: z.number().int().nullable(),
    channels: z.number().int().nullable(),
    /** The declared size until inspected, then the object's. */
    sizeBytes: z.number().int(),
    sha256: z.string().nullable(),
    createdAt: z.string(),
  })
  .openapi('Media');
export type Media = z.infer<typeof Media>;

export const MediaList = z.object({ items: z.array(Media) }).openapi('MediaList');
export type MediaList = z.infer<typeof MediaList>;

/** `ready`: what everyone may see; `all`: every status, for curators. */
export const MediaListQuery = z.object({ status: z.enum(['ready', 'all']).default('ready') });

/** A short-lived presigned GET of a song's newest ready media. */
export const MediaLink = z
  .object({ url: z.url(), expiresAt: z.string(), mediaId: z.uuid(), fileName: z.string() })
  .openapi('MediaLink');
export type MediaLink = z.infer<typeof MediaLink>;

const MediaOfSong = SongId.extend({ mediaId: z.uuid({ error: 'must be a media id (uuid)' }) });

export const routes = {
  search: createRoute({
    method: 'get',
    path: '/songs/search',
    request: { query: SearchParams },
    responses: { 200: jsonResponse(SearchResult, 'Matching songs') },
  }),
  get: createRoute({
    method: 'get',
    path: '/songs/{id}',
    request: { params: SongId },
    responses: { 200: jsonResponse(Song, 'The song') },
  }),
  lookup: createRoute({
    method: 'post',
    path: '/songs/lookup',
    description:
      'Several songs by id in one call (a read: POST only because a thousand ids do not fit a URL).',
    request: { body: jsonBody(SongLookup) },
    responses: { 200: jsonResponse(SongLookupResult, 'The songs that exist') },
  }),
  create: createRoute({
    method: 'post',
    path: '/songs',
    request: { body: jsonBody(CreateSong) },
    responses: { 201: jsonResponse(Song, 'The new song') },
  }),
  update: createRoute({
    method: 'patch',
    path: '/songs/{id}',
    request: { params: SongId, body: jsonBody(UpdateSong) },
    responses: { 200: jsonResponse(Song, 'The song as changed') },
  }),
  remove: createRoute({
    method: 'delete',
    path: '/songs/{id}',
    request: { params: SongId },
    responses: { 204: { description: 'Deleted' } },
  }),
  mediaUpload: createRoute({
    method: 'post',
    path: '/songs/{id}/media/uploads',
    request: { params: SongId, body: jsonBody(MediaUploadRequest) },
    responses: { 201: jsonResponse(MediaUpload, 'Where to upload the file, until expiresAt') },
  }),
  mediaList: createRoute({
    method: 'get',
    path: '/songs/{id}/media',
    request: { params: SongId, query: MediaListQuery },
    responses: { 200: jsonResponse(MediaList, "The song's media, newest first") },
  }),
  mediaRemove: createRoute({
    method: 'delete',
    path: '/songs/{id}/media/{mediaId}',
    request: { params: MediaOfSong },
    responses: { 204: { description: 'The object and its record are gone' } },
  }),
  mediaStream: createRoute({
    method: 'get',
    path: '/songs/{id}/media/stream',
    request: { params: SongId },
    responses: { 200: jsonResponse(MediaLink, 'A link to play the newest ready media') },
  }),
  mediaDownload: createRoute({
    method: 'get',
    path: '/songs/{id}/media/download',
    request: { params: SongId },
    responses: { 200: jsonResponse(MediaLink, 'A link that saves the newest ready media as a file') },
  }),
  import: createRoute({
    method: 'post',
    path: '/songs/import',
    request: { body: jsonBody(ImportBatch) },
    responses: { 200: jsonResponse(ImportResult, 'What the batch changed') },
  }),
};
