import { z } from '@hono/zod-openapi';

export const STAGE_NAME_MAX = 40;
const PERSON_NAME_MAX = 100;

/** C0 and C1 control characters (NUL, newlines, escape sequences…): never part of a name. */
const CONTROL = /\p{Cc}/u;

/** Length in characters as a reader counts them (code points, so an emoji is one), as PostgreSQL's char_length. */
const characters = (value: string) => [...value].length;

/** Trimmed text of 1–`max` characters without control characters; anything else is kept verbatim. */
const name = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .refine((value) => characters(value) <= max, `at most ${max} characters`)
    .refine((value) => !CONTROL.test(value), 'must not contain control characters');

export const StageName = name(STAGE_NAME_MAX).openapi({
  description: `How the KJ calls the singer up: 1–${STAGE_NAME_MAX} characters, trimmed, no control characters`,
  example: 'Freddie M.',
});
const PersonName = name(PERSON_NAME_MAX);

/** A claim value as the identity provider sends it: free text, checked only for size here. */
const claim = z.string().max(2000).nullable().optional();

/**
 * What the identity provider says about a user (ID or access token claims, Cognito user
 * attributes), as sent to `PUT /singers/{id}`. Claims are free text that users typed at sign-up,
 * so they are never refused for their content: `seedFromClaims` keeps what is usable.
 */
export const ClaimsProfile = z
  .object({
    email: claim,
    /** `name`: the full name; a fallback for the first stage name. */
    name: claim,
    givenName: claim,
    familyName: claim,
    /** `preferred_username`: the first choice for the first stage name. */
    preferredUsername: claim,
  })
  .strict()
  .openapi('SingerClaims');
export type ClaimsProfile = z.infer<typeof ClaimsProfile>;

/** What a singer may change about themselves. The email stays the identity provider's. */
export const UpdateSinger = z
  .object({
    stageName: StageName,
    givenName: PersonName.nullable(),
    familyName: PersonName.nullable(),
  })
  .partial()
  .strict()
  .refine((patch) => Object.keys(patch).length > 0, 'send at least one field to change')
  .openapi('UpdateSinger');
export type UpdateSinger = z.infer<typeof UpdateSinger>;

export const Singer = z
  .object({
    /** The identity provider's `sub` of the user. */
    id: z.uuid(),
    stageName: z.string(),
    givenName: z.string().nullable(),
    familyName: z.string().nullable(),
    email: z.string().nullable(),
    /** From the global change sequence; orders every change to this singer. */
    version: z.number().int(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Singer');
export type Singer = z.infer<typeof Singer>;

export const Favourite = z
  .object({
    songId: z.uuid(),
    addedAt: z.string(),
  })
  .openapi('Favourite');
export type Favourite = z.infer<typeof Favourite>;

export const FavouritesPage = z
  .object({
    /** Newest first. */
    items: z.array(Favourite),
    /** How many favourites the singer has in all. */
    total: z.number().int(),
    /** Pass as `cursor` for the next page; null on the last page. */
    cursor: z.string().nullable(),
  })
  .openapi('FavouritesPage');
export type FavouritesPage = z.infer<typeof FavouritesPage>;

export const FavouritesQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100, 'at most 100 favourites per page').default(20),
  cursor: z.string().max(100).optional(),
});
export type FavouritesQuery = z.infer<typeof FavouritesQuery>;

/** Control characters become spaces, then the text is trimmed and cut to `max` characters; null when nothing is left. */
function usable(value: string | null | undefined, max: number): string | null {
  const cleaned = [...(value ?? '').replace(/\p{Cc}+/gu, ' ').trim()].slice(0, max).join('').trim();
  return cleaned.length > 0 ? cleaned : null;
}

/** A singer's row as claims seed it. */
export interface SingerSeed {
  stageName: string;
  givenName: string | null;
  familyName: string | null;
  email: string | null;
}

/**
 * A new singer's profile from the claims. The stage name is the preferred user name, else the
 * name, the given name, or the part of the email before the `@` (`Singer` when none is usable);
 * the singer can change it. Values keep their characters, control characters aside, and are cut
 * to the column limits; an email that does not look like one is left out.
 */
export function seedFromClaims(claims: ClaimsProfile): SingerSeed {
  const email = usable(claims.email, 2000);
  const stageName =
    [claims.preferredUsername, claims.name, claims.givenName, email?.split('@')[0]]
      .map((candidate) => usable(candidate, STAGE_NAME_MAX))
      .find((candidate) => candidate !== null) ?? 'Singer';
  return {
    stageName,
    givenName: usable(claims.givenName, PERSON_NAME_MAX),
    familyName: usable(claims.familyName, PERSON_NAME_MAX),
    email: email !== null && email.length <= 320 && /^[^@\s]+@[^@\s]+$/.test(email) ? email : null,
  };
}
