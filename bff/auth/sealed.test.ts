import { describe, expect, it } from 'vitest';
import { aesGcmSealer } from './sealed.ts';

const sealer = aesGcmSealer(Buffer.alloc(32, 3));

describe('sealing provider tokens', () => {
  it('opens what it sealed, with the same context', () => {
    const sealed = sealer.seal('refresh-token', 'session-a');
    expect(sealed).not.toContain('refresh-token');
    expect(sealer.open(sealed, 'session-a')).toBe('refresh-token');
  });

  it('seals the same text differently every time (a fresh IV per message)', () => {
    expect(sealer.seal('same', 'ctx')).not.toBe(sealer.seal('same', 'ctx'));
  });

  it('refuses another context, another key, and any altered byte', () => {
    const sealed = sealer.seal('refresh-token', 'session-a');
    expect(sealer.open(sealed, 'session-b')).toBeNull();
    expect(aesGcmSealer(Buffer.alloc(32, 4)).open(sealed, 'session-a')).toBeNull();
    const body = Buffer.from(sealed.slice(3), 'base64url');
    for (const index of [0, 12, 28, body.length - 1]) {
      const altered = Buffer.from(body);
      altered[index] = (altered[index] ?? 0) ^ 1;
      expect(sealer.open(`v1.${altered.toString('base64url')}`, 'session-a')).toBeNull();
    }
  });

  it.each(['', 'v1.', 'v2.AAAA', 'v1.AAAA', 'v1.not base64!', `v1.${'A'.repeat(100_000)}`, 'v1.a.b'])(
    'reads malformed input %# as nothing, without throwing',
    (input) => {
      expect(sealer.open(input, 'ctx')).toBeNull();
    },
  );

  it('insists on a 32-byte key', () => {
    expect(() => aesGcmSealer(Buffer.alloc(16))).toThrow(RangeError);
  });
});
