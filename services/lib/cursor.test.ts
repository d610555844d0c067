import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { decodeCursor, encodeCursor, MAX_CURSOR_CHARS } from './cursor.ts';
import { ValidationError } from './errors.ts';

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
    ['a valid cursor with a character added', `${encodeCursor({ after: 1, id: 'x' })}A`],
    ['a valid cursor with a stray character', `${encodeCursor({ after: 1, id: 'x' })}=`],
    ['text that is not JSON', raw('not json')],
    ['JSON of another shape', encodeCursor([1, 'x'])],
    ['a payload failing the listing schema', encodeCursor({ after: -1, id: 'x' })],
    ['null', encodeCursor(null)],
    ['a cursor longer than any issued', 'a'.repeat(MAX_CURSOR_CHARS + 1)],
  ])('refuses %s as a problem with the cursor field', (_, cursor) => {
    const attempt = () => decodeCursor(cursor, PageStart);
    expect(attempt).toThrow(ValidationError);
    try {
      attempt();
    } catch (error) {
      expect((error as ValidationError).issues).toEqual([{ path: 'cursor', message: expect.any(String) }]);
    }
  });
});
