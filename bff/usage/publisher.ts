import { UsageEvent, type UsageEventInput, usageEvent } from '#services/metrics/contract';

/**
 * Where the BFF's read events go (searches, song views, streams, downloads). Recording is
 * fire-and-forget: `record` never throws and never waits, so a slow or failing topic can neither
 * fail nor slow the request that caused the event.
 */
export interface UsagePublisher {
  /** Queues one event for the next batch. */
  record(event: UsageEventInput): void;
  /**
   * Sends everything queued and resolves when it is sent or given up on (never rejects). On Lambda
   * the BFF awaits it, bounded, before the invocation ends (see {@link flushUsage}).
   */
  flush(): Promise<void>;
  /** Events waiting, sent, and dropped (after every retry, or because the queue was full). */
  stats(): { queued: number; sent: number; dropped: number };
}

/** Sends one batch; resolves with the events the topic refused (to retry), rejects when it is down. */
export type UsageSink = (events: readonly UsageEvent[]) => Promise<readonly UsageEvent[]>;

export interface BatchingOptions {
  /** Events per send (the SNS sink takes ten messages of a hundred). */
  batchSize: number;
  /** The longest an event waits for its batch to fill. */
  maxDelayMs: number;
  /** Attempts per batch before its events are dropped (and counted). */
  attempts: number;
  /** Events held at most while the topic is unreachable; past it the oldest are dropped. */
  maxQueued: number;
  onDrop?(count: number, error: unknown): void;
  sleep?(ms: number): Promise<void>;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms).unref());

/**
 * Batches events in memory and sends them in the background: a full batch goes at once (on the
 * next tick, outside the request's own work), a partial one after `maxDelayMs`. A batch that fails
 * is retried with exponential backoff (100 ms, 200 ms, …); refused entries are retried the same way.
 */
export function batchingUsagePublisher(send: UsageSink, options: BatchingOptions): UsagePublisher {
  const sleep = options.sleep ?? pause;
  let queue: UsageEvent[] = [];
  let sent = 0;
  let dropped = 0;
  let timer: NodeJS.Timeout | undefined;
  let draining: Promise<void> | undefined;

  const drop = (count: number, error: unknown) => {
    dropped += count;
    options.onDrop?.(count, error);
  };

  async function sendWithRetries(batch: readonly UsageEvent[]): Promise<void> {
    let pending = batch;
    let lastError: unknown = new Error('refused by the topic');
    for (let attempt = 1; attempt <= options.attempts && pending.length > 0; attempt++) {
      if (attempt > 1) await sleep(100 * 2 ** (attempt - 2));
      try {
        const refused = await send(pending);
        sent += pending.length - refused.length;
        pending = refused;
      } catch (error) {
        lastError = error;
      }
    }
    if (pending.length > 0) drop(pending.length, lastError);
  }

  async function drain(): Promise<void> {
    while (queue.length > 0) {
      const batches: UsageEvent[][] = [];
      for (let start = 0; start < queue.length; start += options.batchSize) {
        batches.push(queue.slice(start, start + options.batchSize));
      }
      queue = [];
      await Promise.all(batches.map(sendWithRetries));
    }
  }

  function flush(): Promise<void> {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    // One drain at a time; events queued meanwhile go in the drain's next round.
    draining ??= drain().finally(() => {
      draining = undefined;
    });
    return draining;
  }

  return {
    record(input) {
      try {
        // Checked here, one by one: a message of many events with one bad one would be refused whole.
        const event = UsageEvent.safeParse(usageEvent(input));
        if (!event.success) {
          drop(1, new Error(`invalid ${input.type} event: ${event.error.issues[0]?.message ?? ''}`));
          return;
        }
        queue.push(event.data);
        if (queue.length > options.maxQueued)
          drop(queue.splice(0, queue.length - options.maxQueued).length, 'full');
        if (queue.length >= options.batchSize) setImmediate(() => void flush());
        else timer ??= setTimeout(() => void flush(), options.maxDelayMs).unref();
      } catch (error) {
        drop(1, error);
      }
    },
    flush,
    stats: () => ({ queued: queue.length, sent, dropped }),
  };
}

/** A publisher that records nothing: for in-process tests and tools that build the app without AWS. */
export const noUsage: UsagePublisher = {
  record() {},
  flush: async () => {},
  stats: () => ({ queued: 0, sent: 0, dropped: 0 }),
};
