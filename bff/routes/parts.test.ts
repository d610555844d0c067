import { describe, expect, it, vi } from 'vitest';
import { loadPart } from './parts.ts';

const log = { warn: vi.fn() };

describe('loadPart', () => {
  it('gives the data of a part that loads in time', async () => {
    expect(await loadPart('profile', 100, log, async () => ({ stageName: 'x' }))).toEqual({
      status: 'ok',
      data: { stageName: 'x' },
    });
  });

  it('marks a failing part unavailable and logs why', async () => {
    log.warn.mockClear();
    const part = await loadPart('profile', 100, log, async () => {
      throw new Error('connect ECONNREFUSED');
    });
    expect(part).toEqual({ status: 'unavailable' });
    expect(log.warn).toHaveBeenCalledWith(expect.any(String), {
      'event.reason': 'connect ECONNREFUSED',
      part: 'profile',
    });
  });

  it('stops waiting for a slow part at its deadline', async () => {
    const started = Date.now();
    const part = await loadPart('favourites', 50, log, () => new Promise(() => {}));
    expect(part).toEqual({ status: 'unavailable' });
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
