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
 *
 * While the topic is down (the last batch was given up on after every attempt failed), each batch
 * gets one attempt, until a send goes through: retrying every batch against a topic that refused
 * all the retries of the last one would only multiply what a failing publish costs the BFF.
 *
 * `record` only stamps the event and queues it; each event is checked against the schema when its
 * batch is formed, one by one (a message of many events with one bad one would be refused whole),
 * so the check runs off the request path and a bad event is dropped (and counted) alone.
 */
export function batchingUsagePublisher(send: UsageSink, options: BatchingOptions): UsagePublisher {
  const sleep = options.sleep ?? pause;
  /** Stamped with their ids, not yet checked against the schema. */
  let queue: UsageEvent[] = [];
  let sent = 0;
  let dropped = 0;
  let timer: NodeJS.Timeout | undefined;
  let flushScheduled = false;
  /** A flush asked for every queued event, the partial batch too. */
  let sendAll = false;
  let draining: Promise<void> | undefined;
  let topicDown = false;

  const drop = (count: number, error: unknown) => {
    dropped += count;
    options.onDrop?.(count, error);
  };

  async function sendWithRetries(batch: readonly UsageEvent[]): Promise<void> {
    let pending = batch;
    let lastError: unknown = new Error('refused by the topic');
    let lastAttemptFailed = false;
    const attempts = topicDown ? 1 : options.attempts;
    for (let attempt = 1; attempt <= attempts && pending.length > 0; attempt++) {
      if (attempt > 1) await sleep(100 * 2 ** (attempt - 2));
      try {
        const refused = await send(pending);
        sent += pending.length - refused.length;
        pending = refused;
        lastAttemptFailed = false;
        topicDown = false;
      } catch (error) {
        lastError = error;
        lastAttemptFailed = true;
      }
    }
    if (pending.length === 0) return;
    if (lastAttemptFailed) topicDown = true;
    drop(pending.length, lastError);
  }

  /**
   * The queued events that pass the schema, in batches; the others dropped, with their reasons.
   * All of them, or only as many as fill whole batches (the rest stay queued).
   */
  function takeBatches(all: boolean): UsageEvent[][] {
    const taken = all ? queue.length : queue.length - (queue.length % options.batchSize);
    const candidates = queue.slice(0, taken);
    queue = queue.slice(taken);
    const batches: UsageEvent[][] = [];
    let batch: UsageEvent[] = [];
    let invalid = 0;
    let firstProblem = '';
    for (const candidate of candidates) {
      const event = UsageEvent.safeParse(candidate);
      if (!event.success) {
        invalid += 1;
        firstProblem ||= `${candidate.type}: ${event.error.issues[0]?.message ?? ''}`;
        continue;
      }
      batch.push(event.data);
      if (batch.length === options.batchSize) {
        batches.push(batch);
        batch = [];
      }
    }
    if (batch.length > 0) batches.push(batch);
    if (invalid > 0) drop(invalid, new Error(`${invalid} invalid event(s), the first ${firstProblem}`));
    return batches;
  }

  /**
   * Rounds of sends while whole batches wait, or until the queue is empty once `flush` asked for
   * everything. A partial batch left behind waits for its timer: under a steady stream, sending
   * whatever arrived during the last round trip would make many small sends, each paying a whole
   * request's cost, instead of few full ones.
   */
  async function drain(): Promise<void> {
    while (queue.length >= options.batchSize || (sendAll && queue.length > 0)) {
      const all = sendAll;
      sendAll = false;
      await Promise.all(takeBatches(all).map(sendWithRetries));
    }
    if (queue.length > 0) timer ??= setTimeout(() => void flush(), options.maxDelayMs).unref();
  }

  /** One drain at a time; `all` (a flush) makes it send the partial batch too. */
  function startDrain(all: boolean): Promise<void> {
    if (all) sendAll = true;
    draining ??= drain().finally(() => {
      draining = undefined;
    });
    return draining;
  }

  function flush(): Promise<void> {
    if (timer) {
      clearTimeout(timer);
      timer = undefined;
    }
    return startDrain(true);
  }

  return {
    record(input) {
      try {
        queue.push(usageEvent(input));
        if (queue.length > options.maxQueued)
          drop(queue.splice(0, queue.length - options.maxQueued).length, 'full');
        if (queue.length < options.batchSize) {
          timer ??= setTimeout(() => void flush(), options.maxDelayMs).unref();
        } else if (!flushScheduled) {
          // Once per tick, not once per event: while a slow send runs, the queue stays full.
          flushScheduled = true;
          setImmediate(() => {
            flushScheduled = false;
            void startDrain(false);
          });
        }
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
