import type { ZodType } from 'zod';
import { ValidationError } from './errors.ts';

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
 * An opaque page cursor: where the next page starts, as JSON in base64url. Opaque so that clients
 * hand it back instead of building one; every listing keeps its own payload shape and checks it with
 * its own schema on the way in (see {@link decodeCursor}).
 */
export function encodeCursor(payload: unknown): string {
  return Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
}

/**
 * The payload of a cursor issued by {@link encodeCursor}, checked against `schema`. Anything else
 * (stray characters, a non-canonical encoding, text that is not JSON, a payload of another shape or
 * another listing) is an {@link invalidCursor} error: a forged cursor never reaches a query.
 */
export function decodeCursor<T>(cursor: string, schema: ZodType<T>): T {
  if (cursor.length === 0 || cursor.length > MAX_CURSOR_CHARS || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw invalidCursor();
  }
  const bytes = Buffer.from(cursor, 'base64url');
  // The decoder skips what it cannot read; only the exact encoding of what it decoded is accepted.
  if (bytes.toString('base64url') !== cursor) throw invalidCursor();
  let json: unknown;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw invalidCursor();
  return parsed.data;
}
