import { describe, expect, it } from 'vitest';
import { singleFlight } from './single-flight.ts';

const deferred = <T>() => {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
};

describe('singleFlight', () => {
  it('runs one call for concurrent callers of a key and gives each the result', async () => {
    const flights = singleFlight<string>();
    const gate = deferred<string>();
    let calls = 0;
    const results = Promise.all(
      Array.from({ length: 100 }, () =>
        flights.run('k', () => {
          calls++;
          return gate.promise;
        }),
      ),
    );
    gate.resolve('loaded');
    expect(await results).toEqual(Array(100).fill('loaded'));
    expect(calls).toBe(1);
  });

  it('shares a failure with every waiting caller, then lets the next caller try again', async () => {
    const flights = singleFlight<string>();
    const gate = deferred<string>();
    const first = flights.run('k', () => gate.promise);
    const second = flights.run('k', async () => 'never');
    gate.reject(new Error('service down'));
    await expect(first).rejects.toThrow('service down');
    await expect(second).rejects.toThrow('service down');
    await expect(flights.run('k', async () => 'fresh')).resolves.toBe('fresh');
    expect(flights.size).toBe(0);
  });

  it('keeps different keys apart', async () => {
    const flights = singleFlight<string>();
    const [a, b] = await Promise.all([flights.run('a', async () => 'A'), flights.run('b', async () => 'B')]);
    expect([a, b]).toEqual(['A', 'B']);
  });

  it('turns a loader that throws before returning a promise into a rejection', async () => {
    const flights = singleFlight<string>();
    await expect(
      flights.run('k', () => {
        throw new Error('sync failure');
      }),
    ).rejects.toThrow('sync failure');
  });
});
