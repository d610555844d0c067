import { describe, expect, it } from 'vitest';
import { UNLOCK_ATTEMPTS, UNLOCK_WINDOW_MS } from '#services/playlists/contract';
import { memoryUnlockAttempts, unlockCookieValue, unlockDecision, unlockedRecipient } from './unlock.ts';

const KEY = 'k'.repeat(40);
const RECIPIENT = '0b7c9a64-5d3e-4c4f-9d57-2f1f3d8c1a20';
const now = new Date('2026-12-05T12:00:00Z');
const inAnHour = Math.floor(now.getTime() / 1000) + 3600;

describe('pitch unlock cookie', () => {
  it('names the recipient it was made for until it expires', () => {
    const value = unlockCookieValue(KEY, RECIPIENT, inAnHour);
    expect(unlockedRecipient(KEY, value, now)).toBe(RECIPIENT);
    expect(unlockedRecipient(KEY, value, new Date(inAnHour * 1000))).toBeUndefined();
  });

  it('holds no secret and cannot be forged, moved to another recipient or extended', () => {
    const value = unlockCookieValue(KEY, RECIPIENT, inAnHour);
    const [, , signature] = value.split('.');
    const other = '1c8d0b75-6e4f-4d50-8e68-3a2a4e9d2b31';
    expect(unlockedRecipient('another key'.padEnd(40, '!'), value, now)).toBeUndefined();
    expect(unlockedRecipient(KEY, `${other}.${inAnHour}.${signature}`, now)).toBeUndefined();
    expect(unlockedRecipient(KEY, `${RECIPIENT}.${inAnHour + 99999}.${signature}`, now)).toBeUndefined();
    for (const junk of ['', 'a.b.c', `${value}.x`, 'x'.repeat(500), `${RECIPIENT}.-1.${signature}`]) {
      expect(unlockedRecipient(KEY, junk, now)).toBeUndefined();
    }
    expect(unlockedRecipient(KEY, undefined, now)).toBeUndefined();
  });
});

describe('wrong pitch passwords', () => {
  it(`allow ${UNLOCK_ATTEMPTS} wrong ones per window, then say when the next may be tried`, async () => {
    const attempts = memoryUnlockAttempts();
    for (let index = 0; index < UNLOCK_ATTEMPTS; index++) {
      const at = new Date(now.getTime() + index * 60_000);
      expect(unlockDecision(await attempts.wrongSince(RECIPIENT, at), at).allowed).toBe(true);
      await attempts.recordWrong(RECIPIENT, at);
    }
    const later = new Date(now.getTime() + UNLOCK_ATTEMPTS * 60_000);
    const refused = unlockDecision(await attempts.wrongSince(RECIPIENT, later), later);
    expect(refused.allowed).toBe(false);
    // The first wrong attempt leaves the window at now + 15 min.
    expect(refused.retryAfterSeconds).toBe((UNLOCK_WINDOW_MS - UNLOCK_ATTEMPTS * 60_000) / 1000);
    const whenFree = new Date(now.getTime() + UNLOCK_WINDOW_MS + 1);
    expect(unlockDecision(await attempts.wrongSince(RECIPIENT, whenFree), whenFree).allowed).toBe(true);
    // Another link is not affected.
    expect(unlockDecision(await attempts.wrongSince('other', later), later).allowed).toBe(true);
  });
});
