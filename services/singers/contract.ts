import { createRoute, z } from '@hono/zod-openapi';
import { PageCursor } from '#lib/cursor';
import { jsonBody, jsonResponse } from '#lib/openapi';
import { storable } from '#lib/text';

/**
 * What callers may know of the singers service: its internal routes and the shapes that cross
 * them. Singer ids are the users' `sub` at the identity provider.
 */
export const basePath = '/internal/singers';

export const STAGE_NAME_MAX = 40;
export const PERSON_NAME_MAX = 100;

/** Length in characters as a reader counts them (code points, so an emoji is one), as PostgreSQL's char_length. */
const characters = (value: string) => [...value].length;

/** Trimmed text of 1–`max` characters that storage can hold (`#lib/text`); anything else is kept verbatim. */
const name = (max: number) =>
  storable(
    z
      .string()
      .trim()
      .min(1, 'must not be empty')
      .refine((value) => characters(value) <= max, `at most ${max} characters`),
  ).openapi({ maxLength: max });

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
  .openapi('UpdateSinger', { minProperties: 1 });
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
  cursor: PageCursor.optional(),
});
export type FavouritesQuery = z.infer<typeof FavouritesQuery>;

const SingerId = z.object({ id: z.uuid({ error: 'must be a singer id (uuid)' }) });
const FavouriteKey = SingerId.extend({ songId: z.uuid({ error: 'must be a song id (uuid)' }) });

export const routes = {
  upsert: createRoute({
    method: 'put',
    path: '/singers/{id}',
    description:
      'Creates the singer from identity-provider claims, or refreshes it; idempotent (first sign-in, post-confirmation).',
    request: { params: SingerId, body: jsonBody(ClaimsProfile) },
    responses: {
      200: jsonResponse(Singer, 'The singer, already there'),
      201: jsonResponse(Singer, 'The new singer'),
    },
  }),
  get: createRoute({
    method: 'get',
    path: '/singers/{id}',
    request: { params: SingerId },
    responses: { 200: jsonResponse(Singer, 'The singer') },
  }),
  update: createRoute({
    method: 'patch',
    path: '/singers/{id}',
    request: { params: SingerId, body: jsonBody(UpdateSinger) },
    responses: { 200: jsonResponse(Singer, 'The singer as changed') },
  }),
  favourites: createRoute({
    method: 'get',
    path: '/singers/{id}/favourites',
    request: { params: SingerId, query: FavouritesQuery },
    responses: { 200: jsonResponse(FavouritesPage, 'Favourites, newest first') },
  }),
  addFavourite: createRoute({
    method: 'put',
    path: '/singers/{id}/favourites/{songId}',
    request: { params: FavouriteKey },
    responses: {
      200: jsonResponse(Favourite, 'Already a favourite'),
      201: jsonResponse(Favourite, 'Added'),
    },
  }),
  removeFavourite: createRoute({
    method: 'delete',
    path: '/singers/{id}/favourites/{songId}',
    request: { params: FavouriteKey },
    responses: { 204: { description: 'Not a favourite (any more)' } },
  }),
};
