import { z } from '@hono/zod-openapi';
import type { ZodType } from 'zod';
import { NotFoundError, ValidationError } from './errors.ts';

/** Longer input is not a cursor we issued: refused before any decoding work. */
export const MAX_CURSOR_CHARS = 512;

/**
 * The one error for a cursor the caller may not use: a 400 whose issue names `cursor`, so a client
 * knows to start its listing again without it.
 */
export function invalidCursor(reason = 'not a cursor from a previous page'): ValidationError {
  return new ValidationError('The cursor is not valid; start again without it.', [
    { path: 'cursor', message: reason },
  ]);
}

/**
 * What every cursor we issue looks like: base64url of a JSON object, so it starts with `eyJ`
 * (`{"`). Anything else is refused as malformed (400) before any decoding.
 */
const CURSOR_SHAPE = /^eyJ[A-Za-z0-9_-]*$/;

/**
 * The `cursor` query parameter of a listing, for its contract: the shape of a cursor we issue, so
 * the API description says which values are malformed (a 400). A cursor of that shape that this
 * listing did not issue names no page of it: a 404 from {@link decodeCursor}.
 */
export const PageCursor = z
  .string()
  .max(MAX_CURSOR_CHARS)
  .regex(CURSOR_SHAPE, 'not a cursor from a previous page')
  .openapi({ description: 'The `cursor` of the previous page, as it came; omitted for the first page' });

/**
 * A cursor of the right shape that names no page of this listing (tampered with, or issued for
 * another listing or query): a 404 whose issue names `cursor`, so a client starts again without it.
 */
export function unknownCursor(reason = 'names no page of this listing'): NotFoundError {
  return new NotFoundError('No page at this cursor; start the listing again without it.', {
    details: { issues: [{ path: 'cursor', message: reason }] },
  });
}

/**
 * An opaque page cursor: where the next page starts, as JSON in base64url. Opaque so that clients
 * hand it back instead of building one; every listing keeps its own payload shape and checks it with
 * its own schema on the way in (see {@link decodeCursor}).
 */
export function encodeCursor(payload: unknown): string {
  return Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
}

/**
 * The payload of a cursor issued by {@link encodeCursor}, checked against `schema`. A value that
 * is not of a cursor's shape ({@link PageCursor}) is an {@link invalidCursor} error (400); one of
 * that shape that does not decode to this listing's payload (a non-canonical encoding, text that is
 * not JSON, a payload of another shape or another listing) an {@link unknownCursor} error (404):
 * a forged cursor never reaches a query.
 */
export function decodeCursor<T>(cursor: string, schema: ZodType<T>): T {
  if (cursor.length > MAX_CURSOR_CHARS || !CURSOR_SHAPE.test(cursor)) throw invalidCursor();
  const bytes = Buffer.from(cursor, 'base64url');
  // The decoder skips what it cannot read; only the exact encoding of what it decoded is accepted.
  if (bytes.toString('base64url') !== cursor) throw unknownCursor();
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw unknownCursor();
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw unknownCursor();
  return parsed.data;
}
