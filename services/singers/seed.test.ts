import { describe, expect, it } from 'vitest';
import { UpdateSinger } from './contract.ts';
import { seedFromClaims } from './seed.ts';

describe('seedFromClaims', () => {
  it('starts the stage name from the preferred user name, then the name, given name and email', () => {
    const all = {
      preferredUsername: 'ziggy',
      name: 'David Jones',
      givenName: 'David',
      email: 'dj@example.com',
    };
    expect(seedFromClaims(all).stageName).toBe('ziggy');
    expect(seedFromClaims({ ...all, preferredUsername: null }).stageName).toBe('David Jones');
    expect(seedFromClaims({ givenName: 'David', email: 'dj@example.com' }).stageName).toBe('David');
    expect(seedFromClaims({ email: 'dj@example.com' }).stageName).toBe('dj');
    expect(seedFromClaims({}).stageName).toBe('Singer');
  });

  it('skips candidates that are only blanks or control characters', () => {
    expect(
      seedFromClaims({ preferredUsername: ' \u0000\u001b ', name: '\t', givenName: 'Ok' }).stageName,
    ).toBe('Ok');
  });

  it('cuts the stage name to 40 characters, counting an emoji as one', () => {
    expect(seedFromClaims({ name: '🎤'.repeat(50) }).stageName).toBe('🎤'.repeat(40));
    expect(seedFromClaims({ name: `${'a'.repeat(39)} tail` }).stageName).toBe('a'.repeat(39));
  });

  it('keeps names as typed, control characters aside, and drops an email that is not one', () => {
    const seed = seedFromClaims({
      givenName: "<b>O'Brien</b>",
      familyName: 'Line\r\nBreak',
      email: 'no-at-sign',
    });
    expect(seed).toMatchObject({ givenName: "<b>O'Brien</b>", familyName: 'Line Break', email: null });
    expect(seedFromClaims({ email: `${'x'.repeat(320)}@example.com` }).email).toBeNull();
    expect(seedFromClaims({ email: ' grace@example.com ' }).email).toBe('grace@example.com');
  });
});

describe('UpdateSinger', () => {
  const issues = (body: unknown) => {
    const result = UpdateSinger.safeParse(body);
    return result.success ? [] : result.error.issues.map((issue) => issue.path.join('.'));
  };

  it('trims a stage name and takes 1 to 40 characters without control characters', () => {
    expect(UpdateSinger.parse({ stageName: '  Freddie  ' })).toEqual({ stageName: 'Freddie' });
    expect(issues({ stageName: 'x'.repeat(40) })).toEqual([]);
    expect(issues({ stageName: 'x'.repeat(41) })).toEqual(['stageName']);
    expect(issues({ stageName: ' ' })).toEqual(['stageName']);
    expect(issues({ stageName: 'a\u0085b' })).toEqual(['stageName']);
  });

  it('lets names be cleared but refuses fields a singer does not own', () => {
    expect(UpdateSinger.parse({ givenName: null })).toEqual({ givenName: null });
    expect(issues({ email: 'x@example.com', stageName: 'Ok' })).toEqual(['']);
    expect(issues({ id: 'someone-else', stageName: 'Ok' })).toEqual(['']);
  });
});
