import type { Logger } from '#lib/log';
import { type CloudWatchLogEvent, decodeSubscriptionEvent, MalformedPayloadError } from './decode.ts';
import { type LogDocument, logDocuments, withConflictSetAside } from './documents.ts';
import type { DeadLetter, DeadLetters, IndexOutcome, LogIndex } from './ports.ts';

export interface RetryPolicy {
  /** Bulk attempts per document, the first included. */
  maxAttempts: number;
  /** Backoff before retry n is a random wait in [0, min(maxDelayMs, baseDelayMs × 2^(n-1))]. */
  baseDelayMs: number;
  maxDelayMs: number;
}

export interface ShipReport {
  kind: 'control' | 'data' | 'malformed';
  events: number;
  indexed: number;
  /** Already indexed by an earlier delivery of the same events. */
  duplicates: number;
  deadLettered: number;
  /** Bulk rounds made; more than one means some documents were retried. */
  attempts: number;
}

export interface ShipperDeps {
  index: LogIndex;
  deadLetters: DeadLetters;
  log: Logger;
  indexPrefix: string;
  maxPayloadBytes: number;
  retry: RetryPolicy;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
}

interface Pending {
  event: CloudWatchLogEvent;
  document: LogDocument;
  last?: Extract<IndexOutcome, { result: 'failed' }>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Full-jitter exponential backoff: retries of many shippers spread out instead of arriving together. */
export function backoffMs(retry: number, policy: RetryPolicy, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (retry - 1));
  return Math.round(random() * ceiling);
}

/**
 * Ships one CloudWatch Logs subscription delivery to Elasticsearch.
 *
 * Every event is created under its CloudWatch id, so a delivery shipped twice (Lambda retries an
 * asynchronous invocation that failed) indexes nothing twice: a 409 means "already there".
 * Documents Elasticsearch refuses with 429 or 5xx, or that get no answer, are retried alone, up to
 * `maxAttempts` bulk rounds with backoff. A value of the wrong type for its field is set aside
 * under `conflicts` (tagged `mapping_conflict`), before sending or when Elasticsearch names it in a
 * refusal; a line sent as its own text and refused for another reason is rebuilt field by field and
 * sent again. Documents still refused after the last round go to the dead-letter queue with their
 * raw line. An undecodable delivery is dead-lettered whole. Only a dead-letter queue that refuses
 * them makes the invocation fail, so Lambda retries it and nothing is lost.
 */
export function createLogsShipper(deps: ShipperDeps) {
  const sleep = deps.sleep ?? defaultSleep;
  const random = deps.random ?? Math.random;

  return async (event: unknown): Promise<ShipReport> => {
    let payload: ReturnType<typeof decodeSubscriptionEvent>;
    try {
      payload = decodeSubscriptionEvent(event, { maxBytes: deps.maxPayloadBytes });
    } catch (error) {
      if (!(error instanceof MalformedPayloadError)) throw error;
      deps.log.error('undecodable log delivery dead-lettered', {
        'event.reason': error.message,
        'error.type': error.reason,
      });
      await deps.deadLetters.send([{ kind: 'payload', reason: error.message, data: rawData(event) }]);
      return { kind: 'malformed', events: 0, indexed: 0, duplicates: 0, deadLettered: 1, attempts: 0 };
    }
    if (payload.kind === 'control') {
      return { kind: 'control', events: 0, indexed: 0, duplicates: 0, deadLettered: 0, attempts: 0 };
    }

    const { origin } = payload;
    const build = logDocuments(origin, deps.indexPrefix);
    const sent = await buildAndCreate(deps.index, payload.events, (logEvent) => ({
      event: logEvent,
      document: build(logEvent),
    }));
    let { pending, outcomes } = sent;
    const report: ShipReport = {
      kind: 'data',
      events: pending.length,
      indexed: 0,
      duplicates: 0,
      deadLettered: 0,
      attempts: pending.length > 0 ? 1 : 0,
    };
    const refused: Pending[] = [];

    while (pending.length > 0) {
      const retry: Pending[] = [];
      pending.forEach((item, position) => {
        const outcome = outcomes[position] ?? noAnswer('no outcome for this document');
        if (outcome.result === 'created') report.indexed++;
        else if (outcome.result === 'duplicate') report.duplicates++;
        else if (outcome.retryable) retry.push({ ...item, last: outcome });
        else {
          // A value of a field's wrong type that the shipper did not foresee: set aside, sent again.
          // A line sent as its own text that was refused for another reason: sent again rebuilt.
          const field = REFUSED_FIELD.exec(outcome.reason)?.[1];
          const repaired =
            (field ? withConflictSetAside(item.document, field) : undefined) ??
            (item.document.passedThrough ? build(item.event, { passThrough: false }) : undefined);
          if (repaired) retry.push({ ...item, document: repaired, last: outcome });
          else refused.push({ ...item, last: outcome });
        }
      });
      pending = retry;
      if (pending.length === 0 || report.attempts >= deps.retry.maxAttempts) break;
      await sleep(backoffMs(report.attempts, deps.retry, random));
      report.attempts++;
      outcomes = await createAll(deps.index, pending);
    }
    refused.push(...pending);

    if (refused.length > 0) {
      const letters = refused.map(({ event: logEvent, document, last }): DeadLetter => {
        return {
          kind: 'log-event',
          reason: last?.reason ?? 'not indexed',
          status: last?.status ?? 0,
          attempts: report.attempts,
          index: document.index,
          logGroup: origin.logGroup,
          logStream: origin.logStream,
          id: logEvent.id,
          timestamp: logEvent.timestamp,
          message: logEvent.message,
        };
      });
      await deps.deadLetters.send(letters);
      report.deadLettered = letters.length;
      deps.log.warn('log events dead-lettered', {
        'event.reason': letters[0]?.reason,
        'aws.cloudwatch.log_group': origin.logGroup,
        'logs.dead_lettered': letters.length,
      });
    }
    return report;
  };
}

/** How Elasticsearch names the field whose value it could not index. */
const REFUSED_FIELD = /failed to parse field \[([^\]]+)\]/;

const noAnswer = (reason: string): IndexOutcome => ({ result: 'failed', retryable: true, status: 0, reason });

/** Documents built and sent at a time: Elasticsearch indexes one slice while the next is built. */
const SLICE = 500;

/**
 * The first round: builds the documents slice by slice and sends each as soon as it is built, two
 * requests in flight at most, so an invocation neither waits for its whole delivery to be built
 * nor floods the cluster. Answers every document with its outcome, in order.
 */
async function buildAndCreate(
  index: LogIndex,
  events: CloudWatchLogEvent[],
  build: (event: CloudWatchLogEvent) => Pending,
): Promise<{ pending: Pending[]; outcomes: IndexOutcome[] }> {
  const pending: Pending[] = [];
  const sending: Array<Promise<IndexOutcome[]>> = [];
  for (let start = 0; start < events.length; start += SLICE) {
    const slice = events.slice(start, start + SLICE).map(build);
    pending.push(...slice);
    if (sending.length >= 2) await sending[sending.length - 2];
    sending.push(createAll(index, slice));
  }
  return { pending, outcomes: (await Promise.all(sending)).flat() };
}

/** A bulk request that fails as a whole (Elasticsearch down, a timeout) is a retryable failure of each document. */
async function createAll(index: LogIndex, pending: Pending[]): Promise<IndexOutcome[]> {
  try {
    return await index.create(pending.map((item) => item.document));
  } catch (error) {
    const outcome = noAnswer(`elasticsearch unavailable: ${(error as Error).message}`);
    return pending.map(() => outcome);
  }
}

function rawData(event: unknown): string {
  const data = (event as { awslogs?: { data?: unknown } } | null)?.awslogs?.data;
  if (typeof data === 'string') return data;
  try {
    return JSON.stringify(event) ?? String(event);
  } catch {
    return String(event);
  }
}
