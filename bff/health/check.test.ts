import { describe, expect, it } from 'vitest';
import { checkHealth, sharedHealthCheck } from './check.ts';
import type { Probes } from './probes.ts';

const up = async () => {};
const down = async () => {
  throw new Error('connection refused');
};
const hangs = (signal: AbortSignal) =>
  new Promise<void>((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));

describe('checkHealth', () => {
  it('is ok when every dependency answers', async () => {
    const probes: Probes = { postgres: up, redis: up, elasticsearch: up, queues: up };
    await expect(checkHealth(probes, 100)).resolves.toEqual({
      status: 'ok',
      deps: { postgres: 'up', redis: 'up', elasticsearch: 'up', queues: 'up' },
    });
  });

  it('marks a failing and a hanging dependency down and the whole degraded, without throwing', async () => {
    const probes: Probes = { postgres: up, redis: down, elasticsearch: hangs, queues: up };
    const report = await checkHealth(probes, 50);
    expect(report).toEqual({
      status: 'degraded',
      deps: { postgres: 'up', redis: 'down', elasticsearch: 'down', queues: 'up' },
    });
  });
});

describe('sharedHealthCheck', () => {
  it('answers from the last check within its age, shares one check in flight, and checks live on demand', async () => {
    let checks = 0;
    let clock = 0;
    const shared = sharedHealthCheck(
      async () => {
        checks++;
        return { status: 'ok', deps: { postgres: 'up', redis: 'up', elasticsearch: 'up', queues: 'up' } };
      },
      5000,
      () => clock,
    );
    await Promise.all([shared.recent(), shared.recent(), shared.recent()]);
    expect(checks).toBe(1);
    clock += 4999;
    await shared.recent();
    expect(checks).toBe(1);
    await shared.live();
    expect(checks).toBe(2);
    clock += 5000;
    await shared.recent();
    expect(checks).toBe(3);
  });
});
