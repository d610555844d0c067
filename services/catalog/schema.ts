import { z } from '@hono/zod-openapi';

/** Musical keys as KJs write them: a tonic with optional accidental, `m` for minor (`C#m`, `Bb`). */
const MUSICAL_KEY = /^[A-G](#|b)?m?$/;
const ISRC = /^[A-Z]{2}[A-Z0-9]{3}\d{7}$/;

const text = (max: number) => z.string().trim().min(1).max(max);

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
  .openapi('UpdateSong');
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
    /** From the global change sequence; orders every change to this song. */
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Song');
export type Song = z.infer<typeof Song>;

/**
 * A complete Song from the fields a curator sends, as the database would store it (unset fields
 * null, no tags, not explicit): for building documents outside the database, e.g. in tests and
 * benchmarks that write to the search index directly.
 */
export function songFromFields(fields: CreateSong, meta: { id: string; version: number; at: string }): Song {
  return {
    album: null,
    durationMs: null,
    year: null,
    genre: null,
    bpm: null,
    musicalKey: null,
    language: null,
    isrc: null,
    firstWeek: null,
    peak: null,
    weeks: null,
    ...fields,
    explicit: fields.explicit ?? false,
    tags: fields.tags ?? [],
    id: meta.id,
    version: meta.version,
    createdAt: meta.at,
    updatedAt: meta.at,
  };
}
