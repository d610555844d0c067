import { describe, expect, it } from 'vitest';
import type { UsageEvent, UsageEventInput } from '#services/metrics/contract';
import { batchingUsagePublisher, type UsageSink } from './publisher.ts';

const view = (n: number): UsageEventInput & { type: 'song.viewed' } => ({
  type: 'song.viewed',
  occurredAt: new Date(1_800_000_000_000 + n).toISOString(),
  actor: { kind: 'anonymous', id: null },
  subject: { kind: 'song', id: `song-${n}` },
  props: { songId: '7b0a0c0e-2f43-4a39-9b6c-111111111111' },
});

const options = { batchSize: 10, maxDelayMs: 5, attempts: 3, maxQueued: 100, sleep: async () => {} };

describe('usage publisher', () => {
  it('sends full batches of ten and the rest after the delay, each event once', async () => {
    const batches: UsageEvent[][] = [];
    const publisher = batchingUsagePublisher(async (events) => {
      batches.push([...events]);
      return [];
    }, options);
    for (let n = 0; n < 25; n++) publisher.record(view(n));
    await new Promise((resolve) => setTimeout(resolve, 30));
    await publisher.flush();
    expect(batches.map((batch) => batch.length).sort()).toEqual([10, 10, 5]);
    expect(new Set(batches.flat().map((event) => event.eventId)).size).toBe(25);
    expect(publisher.stats()).toEqual({ queued: 0, sent: 25, dropped: 0 });
  });

  it('retries a failed send and the entries the topic refused, without ever throwing to the caller', async () => {
    let calls = 0;
    const flaky: UsageSink = async (events) => {
      calls += 1;
      if (calls === 1) throw new Error('topic down');
      if (calls === 2) return events.slice(0, 1);
      return [];
    };
    const publisher = batchingUsagePublisher(flaky, options);
    for (let n = 0; n < 3; n++) expect(() => publisher.record(view(n))).not.toThrow();
    await publisher.flush();
    expect(calls).toBe(3);
    expect(publisher.stats()).toEqual({ queued: 0, sent: 3, dropped: 0 });
  });

  it('drops an event that breaks the schema (counted) and sends the rest', async () => {
    const sent: UsageEvent[] = [];
    const publisher = batchingUsagePublisher(async (events) => {
      sent.push(...events);
      return [];
    }, options);
    publisher.record(view(1));
    publisher.record({ ...view(2), type: 'song.viewed', props: { songId: 'not-a-uuid' } });
    await publisher.flush();
    expect(sent).toHaveLength(1);
    expect(publisher.stats()).toMatchObject({ sent: 1, dropped: 1 });
  });

  it('gives up after its attempts and counts what it dropped; and never throws to the caller', async () => {
    const dropped: number[] = [];
    let sends = 0;
    const publisher = batchingUsagePublisher(
      async () => {
        sends += 1;
        throw new Error('topic down');
      },
      { ...options, onDrop: (count) => dropped.push(count) },
    );
    for (let n = 0; n < 4; n++) publisher.record(view(n));
    await publisher.flush();
    expect(sends).toBe(3);
    expect(dropped).toEqual([4]);
    expect(publisher.stats()).toMatchObject({ sent: 0, dropped: 4 });
  });

  it('while the topic is down each batch gets one attempt, and a send that goes through restores the retries', async () => {
    let down = true;
    let sends = 0;
    const publisher = batchingUsagePublisher(async () => {
      sends += 1;
      if (down) throw new Error('topic down');
      return [];
    }, options);
    publisher.record(view(1));
    await publisher.flush();
    expect(sends).toBe(3);
    publisher.record(view(2));
    await publisher.flush();
    expect(sends).toBe(4);
    down = false;
    publisher.record(view(3));
    await publisher.flush();
    down = true;
    publisher.record(view(4));
    await publisher.flush();
    expect(sends).toBe(8);
    expect(publisher.stats()).toMatchObject({ sent: 1, dropped: 3 });
  });

  it('leaves what arrives during a send for the next full batch or the delay, not for the next round trip', async () => {
    const batches: number[] = [];
    const publisher = batchingUsagePublisher(
      async (events) => {
        batches.push(events.length);
        await new Promise((resolve) => setTimeout(resolve, 5));
        return [];
      },
      { ...options, maxDelayMs: 60_000 },
    );
    for (let n = 0; n < 10; n++) publisher.record(view(n));
    await new Promise((resolve) => setImmediate(resolve));
    for (let n = 10; n < 13; n++) publisher.record(view(n));
    await new Promise((resolve) => setTimeout(resolve, 30));
    expect(batches).toEqual([10]);
    await publisher.flush();
    expect(batches).toEqual([10, 3]);
    expect(publisher.stats()).toEqual({ queued: 0, sent: 13, dropped: 0 });
  });
});
