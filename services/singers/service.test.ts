import { describe, expect, it } from 'vitest';
import { ValidationError } from '#lib/errors';
import { decodeFavouritesCursor, encodeFavouritesCursor } from './service.ts';

describe('favourites cursor', () => {
  it('stands for the version it was made from, and says nothing readable', () => {
    const cursor = encodeFavouritesCursor(123_456);
    expect(cursor).not.toContain('123456');
    expect(decodeFavouritesCursor(cursor)).toBe(123_456);
  });

  it.each([
    '',
    'garbage',
    Buffer.from('fav:').toString('base64url'),
    Buffer.from('fav:0').toString('base64url'),
    Buffer.from('fav:-5').toString('base64url'),
    Buffer.from('fav:1e9').toString('base64url'),
    Buffer.from('fav:99999999999999999999').toString('base64url'),
    Buffer.from('song:5').toString('base64url'),
  ])('refuses a cursor it did not issue (%s) as a field problem', (cursor) => {
    expect(() => decodeFavouritesCursor(cursor)).toThrow(ValidationError);
    try {
      decodeFavouritesCursor(cursor);
    } catch (error) {
      expect((error as ValidationError).issues).toEqual([{ path: 'cursor', message: expect.any(String) }]);
    }
  });
});
