import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { decodeCursor, encodeCursor, MAX_CURSOR_CHARS, PageCursor } from './cursor.ts';
import { NotFoundError, ValidationError } from './errors.ts';

const PageStart = z.object({ after: z.int().positive(), id: z.string().min(1) });
const raw = (text: string) => Buffer.from(text).toString('base64url');

describe('cursor codec', () => {
  it('hands back the payload it encoded, in characters safe in a query string', () => {
    const cursor = encodeCursor({ after: 42, id: 'song-1' });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(cursor).not.toContain('song-1');
    expect(decodeCursor(cursor, PageStart)).toEqual({ after: 42, id: 'song-1' });
  });

  it.each([
    ['an empty cursor', ''],
    ['characters outside base64url', '!!!'],
    ['text that is not JSON', raw('not json')],
    ['JSON of another shape', encodeCursor([1, 'x'])],
    ['null', encodeCursor(null)],
    ['a cursor longer than any issued', `eyJ${'a'.repeat(MAX_CURSOR_CHARS)}`],
  ])('refuses %s as malformed (400), as the cursor parameter says', (_, cursor) => {
    expect(PageCursor.safeParse(cursor).success).toBe(false);
    const attempt = () => decodeCursor(cursor, PageStart);
    expect(attempt).toThrow(ValidationError);
    try {
      attempt();
    } catch (error) {
      expect((error as ValidationError).issues).toEqual([{ path: 'cursor', message: expect.any(String) }]);
    }
  });

  it.each([
    ['a valid cursor with a character added', `${encodeCursor({ after: 1, id: 'x' })}A`],
    ['a payload failing the listing schema', encodeCursor({ after: -1, id: 'x' })],
    ['a payload of another listing', encodeCursor({ before: 3 })],
    ['JSON cut short', raw('{"after": 1')],
  ])('answers %s, of the right shape, as naming no page (404)', (_, cursor) => {
    expect(PageCursor.safeParse(cursor).success).toBe(true);
    const attempt = () => decodeCursor(cursor, PageStart);
    expect(attempt).toThrow(NotFoundError);
    try {
      attempt();
    } catch (error) {
      expect((error as NotFoundError).details).toEqual({
        issues: [{ path: 'cursor', message: expect.any(String) }],
      });
    }
  });
});
