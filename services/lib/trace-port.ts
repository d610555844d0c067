/** What the code above tracing sees: record a hop, a call inside it, and pass the trace on. */
export interface Tracer {
  /** Wraps an AWS SDK v3 client so each call becomes an `aws` subsegment carrying the trace header. */
  captureClient<T>(client: T): T;
  /** Runs `work` inside a subsegment named for the dependency it calls (`PostgreSQL`, `Redis`, `catalog`). */
  span<T>(name: string, work: (span: Span) => Promise<T>, details?: SpanDetails): Promise<T>;
  /**
   * Runs one request this process serves as a segment of its trace (the caller's, from `header`),
   * if the trace is sampled: the caller's decision, Lambda's, or this tracer's sampling rule.
   */
  hop<T>(request: HopRequest, work: (segment: Span) => Promise<T>): Promise<T>;
  /**
   * Continues the traces of the messages a consumer handles at once (their `AWSTraceHeader`s):
   * a segment named `name` in each sampled trace, every subsegment of `work` recorded in each.
   */
  continueTraces<T>(name: string, headers: Iterable<string | undefined>, work: () => Promise<T>): Promise<T>;
  /** The `X-Amzn-Trace-Id` to send with a call made now, in the trace `traceId`. */
  headerFor(traceId: string): string;
  /** The `X-Amzn-Trace-Id` of the sampled trace being recorded now (the first, in a batch), if any. */
  currentHeader(): string | undefined;
}

/** A segment or subsegment being recorded; every method is a no-op when nothing is sampled. */
export interface Span {
  /** The HTTP status the dependency (or this hop) answered: 4xx marks an error, 5xx a fault, 429 a throttle. */
  status(code: number | undefined): void;
  /** An error thrown by the dependency: a fault unless `clientError`. */
  fail(error: unknown, clientError?: boolean): void;
  /** AWS call details (`operation`, `request_id`, `queue_url`…), in the `aws` field. */
  aws(fields: Record<string, unknown>): void;
}

export interface SpanDetails {
  namespace?: 'aws' | 'remote';
  http?: { method: string; url: string };
  /** `sql` field: what ran, with its parameters left out. */
  sql?: { database_type: string; sanitized_query: string; url?: string };
  metadata?: Record<string, unknown>;
}

export interface HopRequest {
  /** The segment's name: the function that serves the request (`bff`, `catalog`). */
  name: string;
  traceId: string;
  /** The caller's `X-Amzn-Trace-Id`: its `Parent` and `Sampled` decide where the segment hangs. */
  header: string | undefined | null;
  /** The request as the segment's `http.request` shows it; built only for a sampled hop. */
  http?: () => { method: string; url: string; client_ip?: string; user_agent?: string };
}

export const noSpan: Span = { status() {}, fail() {}, aws() {} };

/** A tracer that only runs the work: where no X-Ray daemon listens. */
export const noTracer: Tracer = {
  captureClient: (client) => client,
  span: (_, work) => work(noSpan),
  hop: (_, work) => work(noSpan),
  continueTraces: (_, __, work) => work(),
  headerFor: (traceId) => `Root=${traceId}`,
  currentHeader: () => undefined,
};
