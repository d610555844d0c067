import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  hashPassword,
  isTokenShaped,
  type LinkFacts,
  linkState,
  mayTryUnlock,
  newToken,
  TOKEN_LENGTH,
  tokenHash,
  UNLOCK_ATTEMPTS,
  UNLOCK_WINDOW_MS,
  verifyPassword,
} from './pitch-links.ts';

const bytes = fc.uint8Array({ minLength: 32, maxLength: 32 }).map((array) => Buffer.from(array));

describe('link tokens', () => {
  it('are 256 random bits as 43 base64url characters, and every one is token-shaped', () => {
    fc.assert(
      fc.property(bytes, (random) => {
        const token = newToken(() => random);
        expect(token).toHaveLength(TOKEN_LENGTH);
        expect(isTokenShaped(token)).toBe(true);
        expect(Buffer.from(token, 'base64url').equals(random)).toBe(true);
      }),
    );
  });

  it('refuses the wrong length and the wrong alphabet without a lookup', () => {
    const token = newToken();
    for (const bad of [
      token.slice(1),
      `${token}A`,
      `${token.slice(0, 42)}=`,
      `${token.slice(0, 42)}+`,
      '',
      token.replace(/./, '/'),
    ]) {
      expect(isTokenShaped(bad), bad).toBe(false);
    }
  });

  it('store as a hash that differs per token and never contains the token', () => {
    fc.assert(
      fc.property(bytes, bytes, (a, b) => {
        const [one, two] = [newToken(() => a), newToken(() => b)];
        expect(tokenHash(one)).toMatch(/^[0-9a-f]{64}$/);
        expect(tokenHash(one)).not.toContain(one);
        expect(tokenHash(one) === tokenHash(two)).toBe(one === two);
      }),
    );
  });
});

describe('link passwords', () => {
  it('verify only the password they were made from, with a fresh salt each time', async () => {
    const stored = await hashPassword('correct horse');
    expect(stored.startsWith('scrypt$16384$8$1$')).toBe(true);
    expect(stored).not.toContain('correct horse');
    expect(await hashPassword('correct horse')).not.toBe(stored);
    expect(await verifyPassword('correct horse', stored)).toBe(true);
    expect(await verifyPassword('correct hors', stored)).toBe(false);
    expect(await verifyPassword('correct horse', 'plain')).toBe(false);
  });
});

const facts: fc.Arbitrary<LinkFacts> = fc.record({
  expiresAt: fc.option(
    fc.date({ min: new Date('2026-01-01'), max: new Date('2027-01-01'), noInvalidDate: true }),
  ),
  pitchRevoked: fc.boolean(),
  linkRevoked: fc.boolean(),
  hasPassword: fc.boolean(),
  unlocked: fc.boolean(),
});
const instant = fc.date({ min: new Date('2026-01-01'), max: new Date('2027-01-01'), noInvalidDate: true });

describe('link states', () => {
  it('a revoked or expired link is gone, whatever else holds', () => {
    fc.assert(
      fc.property(facts, instant, (link, now) => {
        const expired = link.expiresAt !== null && now >= link.expiresAt;
        expect(linkState(link, now) === 'gone').toBe(link.pitchRevoked || link.linkRevoked || expired);
      }),
    );
  });

  it('a live link with a password is locked until unlocked, then open', () => {
    fc.assert(
      fc.property(facts, instant, (link, now) => {
        const state = linkState(link, now);
        if (state !== 'gone') expect(state).toBe(link.hasPassword && !link.unlocked ? 'locked' : 'open');
      }),
    );
  });
});

describe('unlock attempts', () => {
  it('allow at most five wrong passwords within any 15 minutes', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 2 * UNLOCK_WINDOW_MS }), { maxLength: 12 }), (ago) => {
        const now = new Date('2026-06-01T12:00:00Z');
        const attempts = ago.map((ms) => new Date(now.getTime() - ms));
        const recent = ago.filter((ms) => ms < UNLOCK_WINDOW_MS).length;
        expect(mayTryUnlock(attempts, now)).toBe(recent < UNLOCK_ATTEMPTS);
      }),
    );
  });
});
