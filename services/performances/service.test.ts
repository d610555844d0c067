import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '#lib/errors';
import { decodePerformancesCursor, encodePerformancesCursor } from './service.ts';

const raw = (text: string) => Buffer.from(text).toString('base64url');

describe('performances cursor', () => {
  it('round-trips the page start it encodes', () => {
    const start = { endedAt: '2026-11-20T21:03:30.000Z', requestId: randomUUID() };
    expect(decodePerformancesCursor(encodePerformancesCursor(start))).toEqual(start);
  });

  it.each([
    ['garbage', 'not-a-cursor'],
    ['dashes for a uuid', raw(`2024-01-01T00:00:00.000Z|${'-'.repeat(36)}`)],
    ['year 0', raw(`0000-01-01T00:00:00.000Z|${randomUUID()}`)],
    ['no separator', raw('2024-01-01T00:00:00.000Z')],
    ['extra parts', raw(`2024-01-01T00:00:00.000Z|${randomUUID()}|x`)],
    ['SQL', raw(`2024-01-01T00:00:00.000Z|'; DROP TABLE performances; --`)],
  ])('refuses %s with a 400', (_, cursor) => {
    expect(() => decodePerformancesCursor(cursor)).toThrow(ValidationError);
  });
});
