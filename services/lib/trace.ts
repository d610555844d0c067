import { AsyncLocalStorage } from 'node:async_hooks';
import { randomFillSync } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';

/**
 * X-Ray tracing without the X-Ray SDK. `aws-xray-sdk-core` keeps its context in cls-hooked async
 * hooks, which make every promise of the process about 15× slower (measured: 2 M awaits, 0.23 s
 * without, 3.9 s with), sampled request or not. This module writes the same segment documents in
 * the daemon's UDP protocol itself, keeps the current segment in an `AsyncLocalStorage` entered
 * only by sampled requests (unsampled ones pay nothing but the sampling decision), and sends each
 * hop's segment as one datagram when the hop ends.
 *
 * On Lambda the function's segment is Lambda's own: a hop opened there is a facade with the id
 * Lambda put in `_X_AMZN_TRACE_ID`, and its subsegments are sent as documents of their own under
 * it, as the SDK does. Elsewhere (the local stack) each hop sends the segment Lambda would have.
 */
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
  http?: { method: string; url: string; client_ip?: string; user_agent?: string };
}

export const TRACE_HEADER = 'x-amzn-trace-id';

const requestTracers = new WeakMap<object, { tracer: Tracer; name: string }>();

/**
 * Has the request pipeline built from `log` (`requestContext(log)`, services/lib/http.ts) record
 * each request as a hop named `name`. A deployable's wiring chooses its tracer and its logger;
 * its app is built from the logger alone, so the tracer travels with it.
 */
export function traceRequests<L extends object>(log: L, tracer: Tracer, name: string): L {
  requestTracers.set(log, { tracer, name });
  return log;
}

/** The tracer and hop name {@link traceRequests} gave `log`, if any. */
export function requestTracerOf(log: object): { tracer: Tracer; name: string } | undefined {
  return requestTracers.get(log);
}

const noSpan: Span = { status() {}, fail() {}, aws() {} };

/** A tracer that only runs the work: where no X-Ray daemon listens. */
export const noTracer: Tracer = {
  captureClient: (client) => client,
  span: (_, work) => work(noSpan),
  hop: (_, work) => work(noSpan),
  continueTraces: (_, __, work) => work(),
  headerFor: (traceId) => `Root=${traceId}`,
  currentHeader: () => undefined,
};

export interface TraceSettings {
  /** `host:port` (or the SDK's `udp:host:port tcp:host:port`) of the X-Ray daemon; none: no tracing. */
  AWS_XRAY_DAEMON_ADDRESS?: string | undefined;
  /**
   * The share of requests arriving without a sampling decision that are traced, beyond the first
   * each second (X-Ray's default rule: 1 per second, then 5 %). Lambda always decides itself.
   */
  XRAY_SAMPLE_RATE?: string | undefined;
  AWS_LAMBDA_FUNCTION_NAME?: string | undefined;
}

/**
 * A tracer sending X-Ray segments to `AWS_XRAY_DAEMON_ADDRESS` when it is set (Lambda with active
 * tracing sets it; `npm start` points it at its local collector), {@link noTracer} otherwise.
 */
export function xrayTracer(settings: TraceSettings = process.env): Tracer {
  const address = settings.AWS_XRAY_DAEMON_ADDRESS;
  if (!address) return noTracer;
  const rate = Number(settings.XRAY_SAMPLE_RATE ?? '0.05');
  if (!(rate >= 0 && rate <= 1)) throw new Error(`XRAY_SAMPLE_RATE must be within 0…1, got ${rate}`);
  return segmentTracer({
    emit: daemonEmitter(address),
    sample: samplingRule(rate),
    onLambda: Boolean(settings.AWS_LAMBDA_FUNCTION_NAME),
  });
}

/** A segment document as the daemon takes it. */
export interface SegmentDocument {
  name: string;
  id: string;
  trace_id?: string;
  parent_id?: string;
  type?: 'subsegment';
  start_time: number;
  end_time?: number;
  namespace?: string;
  error?: boolean;
  fault?: boolean;
  throttle?: boolean;
  http?: { request?: Record<string, unknown>; response?: { status?: number } };
  aws?: Record<string, unknown>;
  sql?: Record<string, unknown>;
  cause?: { exceptions: Array<{ message: string; type: string }> };
  metadata?: Record<string, Record<string, unknown>>;
  subsegments?: SegmentDocument[];
}

export interface SegmentTracerOptions {
  /** Sends one finished document (a segment, or a subsegment of a facade). */
  emit: (document: SegmentDocument) => void;
  /** Decides for a trace that arrives without a decision. */
  sample: () => boolean;
  /** On Lambda, hops hang under Lambda's own segment (`_X_AMZN_TRACE_ID`) instead of sending one. */
  onLambda: boolean;
}

/** Where new subsegments go: one node per trace being recorded (several for a consumer's batch). */
interface Open {
  traceId: string;
  node: SegmentDocument;
}
type TraceContext = readonly Open[];

/**
 * One store for the process: a request's trace must be visible to every adapter it calls, whichever
 * tracer made them. No sampled request has entered it until the first `run`, so until then Node
 * installs no promise hook at all.
 */
const context = new AsyncLocalStorage<TraceContext>();

/**
 * Sampled hops in flight in this process. Once a store has been entered, Node keeps a promise hook
 * installed until it is disabled, and that hook alone took ~40 % of a kept answer's throughput
 * (`npx tsx scripts/bench/tracing.ts`): so the store is disabled whenever no sampled hop is running.
 */
let recording = 0;

const now = () => (performance.timeOrigin + performance.now()) / 1000;

/** The tracer behind {@link xrayTracer}, with its outlet and sampling passed in (tests collect in memory). */
export function segmentTracer(options: SegmentTracerOptions): Tracer {
  const { emit } = options;

  function openIn(parents: TraceContext, name: string, details: SpanDetails | undefined): TraceContext {
    const start = now();
    return parents.map(({ traceId, node }) => {
      const child: SegmentDocument = { name, id: newSegmentId(), start_time: start };
      if (details?.namespace) child.namespace = details.namespace;
      if (details?.http) child.http = { request: { ...details.http } };
      if (details?.sql) child.sql = details.sql;
      if (details?.metadata) child.metadata = { default: details.metadata };
      if (node.subsegments) node.subsegments.push(child);
      else node.subsegments = [child];
      return { traceId, node: child };
    });
  }

  function spanOf(opened: TraceContext): Span {
    return {
      status(code) {
        if (code === undefined) return;
        for (const { node } of opened) markStatus(node, code);
      },
      fail(error, clientError) {
        for (const { node } of opened) markFailure(node, error, clientError);
      },
      aws(fields) {
        for (const { node } of opened) node.aws = { ...node.aws, ...fields };
      },
    };
  }

  function close(opened: TraceContext): void {
    const end = now();
    for (const { node } of opened) node.end_time = end;
  }

  /** Sends a finished hop: the whole segment, or a facade's subsegments one by one. */
  function send(root: SegmentDocument, facade: boolean): void {
    if (!facade) {
      emit(root);
      return;
    }
    for (const child of root.subsegments ?? []) {
      emit({ ...child, type: 'subsegment', parent_id: root.id, trace_id: root.trace_id as string });
    }
  }

  async function record<T>(roots: Array<{ root: SegmentDocument; facade: boolean }>, work: () => Promise<T>) {
    const opened = roots.map(({ root }) => ({ traceId: root.trace_id as string, node: root }));
    recording++;
    try {
      return await context.run(opened, work);
    } catch (error) {
      for (const { root } of roots) markFailure(root, error);
      throw error;
    } finally {
      if (--recording === 0) context.disable();
      const end = now();
      for (const { root, facade } of roots) {
        root.end_time = end;
        send(root, facade);
      }
    }
  }

  /** The segment a hop records into, or none when its trace is not sampled. */
  function rootFor(name: string, traceId: string, header: string | undefined | null) {
    if (options.onLambda) {
      const lambda = parseTraceHeader(process.env._X_AMZN_TRACE_ID);
      if (lambda?.root && lambda.parent) {
        if (lambda.sampled !== true) return undefined;
        const root: SegmentDocument = { name, id: lambda.parent, trace_id: lambda.root, start_time: now() };
        return { root, facade: true };
      }
    }
    const caller = parseTraceHeader(header);
    const sampled =
      caller?.root === traceId && caller.sampled !== undefined ? caller.sampled : options.sample();
    if (!sampled) return undefined;
    const root: SegmentDocument = { name, id: newSegmentId(), trace_id: traceId, start_time: now() };
    if (caller?.root === traceId && caller.parent) root.parent_id = caller.parent;
    return { root, facade: false };
  }

  const tracer: Tracer = {
    captureClient: (client) => captureAwsClient(client, tracer),
    async span(name, work, details) {
      const parents = context.getStore();
      if (!parents || parents.length === 0) return work(noSpan);
      const opened = openIn(parents, name, details);
      const span = spanOf(opened);
      try {
        return await context.run(opened, () => work(span));
      } catch (error) {
        // Unless the work already said what went wrong (a 4xx is the caller's error, not a fault).
        for (const { node } of opened) if (!node.error && !node.fault) markFailure(node, error);
        throw error;
      } finally {
        close(opened);
      }
    },
    async hop(request, work) {
      const traced = rootFor(request.name, request.traceId, request.header);
      if (!traced) return work(noSpan);
      if (request.http) traced.root.http = { request: { ...request.http } };
      return record([traced], () => work(spanOf([{ traceId: request.traceId, node: traced.root }])));
    },
    async continueTraces(name, headers, work) {
      const roots = new Map<string, { root: SegmentDocument; facade: boolean }>();
      for (const header of headers) {
        const parsed = parseTraceHeader(header);
        if (!parsed?.root || parsed.sampled === false || roots.has(parsed.root)) continue;
        const root: SegmentDocument = { name, id: newSegmentId(), trace_id: parsed.root, start_time: now() };
        if (parsed.parent) root.parent_id = parsed.parent;
        roots.set(parsed.root, { root, facade: false });
      }
      if (roots.size === 0) {
        // Nothing to continue: on Lambda, the invocation's own segment is still worth filling.
        const lambda = options.onLambda ? rootFor(name, '', undefined) : undefined;
        return lambda?.facade ? record([lambda], work) : work();
      }
      return record([...roots.values()], work);
    },
    headerFor(traceId) {
      const current = context.getStore()?.find((open) => open.traceId === traceId);
      // Tracing is on, so a request without a recorded segment was not sampled: say so downstream.
      return current ? `Root=${traceId};Parent=${current.node.id};Sampled=1` : `Root=${traceId};Sampled=0`;
    },
    currentHeader() {
      const current = context.getStore()?.[0];
      return current && `Root=${current.traceId};Parent=${current.node.id};Sampled=1`;
    },
  };
  return tracer;
}

function markStatus(node: SegmentDocument, code: number): void {
  node.http = { ...node.http, response: { status: code } };
  if (code === 429) node.throttle = true;
  if (code >= 400 && code < 500) node.error = true;
  if (code >= 500) node.fault = true;
}

function markFailure(node: SegmentDocument, error: unknown, clientError = false): void {
  if (clientError) node.error = true;
  else node.fault = true;
  const exception =
    error instanceof Error
      ? { message: error.message, type: error.name }
      : { message: String(error), type: 'Error' };
  node.cause = { exceptions: [...(node.cause?.exceptions ?? []), exception] };
}

/**
 * An AWS SDK v3 middleware around every call of `client` (retries included): an `aws` subsegment
 * named for the service, and the trace header on the request, which is how SQS fills a message's
 * `AWSTraceHeader` and SNS (with active tracing) passes the trace on to its subscribers.
 */
function captureAwsClient<T>(client: T, tracer: Tracer): T {
  const stack = (client as { middlewareStack?: { add: (...args: unknown[]) => void } }).middlewareStack;
  if (!stack) return client;
  stack.add(
    (
      next: (args: unknown) => Promise<unknown>,
      handlerContext: { clientName?: string; commandName?: string },
    ) =>
      (args: { request?: { headers?: Record<string, string> } }) => {
        if (!context.getStore()) return next(args);
        const service = (handlerContext.clientName ?? 'AWS').replace(/Client$/, '');
        const operation = (handlerContext.commandName ?? '').replace(/Command$/, '');
        return tracer.span(
          service,
          async (span) => {
            const headers = args.request?.headers;
            const traceId = context.getStore()?.[0]?.traceId;
            if (headers && traceId) headers['X-Amzn-Trace-Id'] = tracer.headerFor(traceId);
            try {
              const result = (await next(args)) as {
                response?: { statusCode?: number };
                output?: { $metadata?: { requestId?: string; attempts?: number } };
              };
              span.aws({
                operation,
                request_id: result.output?.$metadata?.requestId,
                retries: (result.output?.$metadata?.attempts ?? 1) - 1,
              });
              span.status(result.response?.statusCode);
              return result;
            } catch (error) {
              const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
              span.aws({ operation });
              span.status(status);
              throw error;
            }
          },
          { namespace: 'aws' },
        );
      },
    { step: 'build', name: 'xrayTraceSubsegment' },
  );
  return client;
}

/** Sends documents to the daemon over UDP: `{"format":"json","version":1}\n<document>` each. */
function daemonEmitter(address: string): (document: SegmentDocument) => void {
  const { host, port } = parseDaemonAddress(address);
  let socket: Socket | undefined;
  return (document) => {
    if (!socket) {
      socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
      socket.on('error', () => {});
      // A tracer must never keep a process (a script, a test worker) alive.
      socket.unref();
    }
    socket.send(`${DAEMON_PREAMBLE}${JSON.stringify(document)}`, port, host);
  };
}

export const DAEMON_PREAMBLE = '{"format":"json","version":1}\n';

/** `host:port`, or the SDK's `udp:host:port tcp:host:port` form. */
export function parseDaemonAddress(address: string): { host: string; port: number } {
  const udp = address.split(/\s+/).find((part) => part.startsWith('udp:')) ?? address;
  const hostPort = udp.replace(/^udp:/, '');
  const at = hostPort.lastIndexOf(':');
  const port = Number(hostPort.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`AWS_XRAY_DAEMON_ADDRESS must be host:port, got ${address}`);
  }
  return { host: hostPort.slice(0, at), port };
}

/** X-Ray's default rule: the first request of each second, then `rate` of the rest. */
export function samplingRule(rate: number, clock: () => number = Date.now): () => boolean {
  let second = -1;
  return () => {
    const current = Math.floor(clock() / 1000);
    if (current !== second) {
      second = current;
      return true;
    }
    return rate >= 1 || Math.random() < rate;
  };
}

/** A new X-Ray format trace id: `1-<epoch seconds hex>-<96 random bits hex>`. */
export function newTraceId(now: Date = new Date()): string {
  return `1-${Math.floor(now.getTime() / 1000).toString(16)}-${randomHex(12)}`;
}

/** A new segment id: 64 random bits, hex. */
export function newSegmentId(): string {
  return randomHex(8);
}

// Random bits drawn in blocks: one randomBytes call per request costs more than the rest of the id.
const randomPool = Buffer.alloc(12 * 256);
let randomOffset = randomPool.length;

function randomHex(bytes: number): string {
  if (randomOffset + bytes > randomPool.length) {
    randomFillSync(randomPool);
    randomOffset = 0;
  }
  randomOffset += bytes;
  return randomPool.toString('hex', randomOffset - bytes, randomOffset);
}

const TRACE_ID = /^1-[0-9a-f]{8}-[0-9a-f]{24}$/;
const SEGMENT_ID = /^[0-9a-f]{16}$/;

export interface TraceHeader {
  root?: string;
  parent?: string;
  /** Absent when the caller left the decision to us. */
  sampled?: boolean;
}

/** The parts of an `X-Amzn-Trace-Id` header (`Root=1-…;Parent=…;Sampled=1`) that are well formed. */
export function parseTraceHeader(header: string | undefined | null): TraceHeader | undefined {
  if (!header || header.length > 256) return undefined;
  const parsed: TraceHeader = {};
  for (const part of header.split(';')) {
    const [key, value] = part.trim().split('=');
    if (key === 'Root' && value && TRACE_ID.test(value)) parsed.root = value;
    else if (key === 'Parent' && value && SEGMENT_ID.test(value)) parsed.parent = value;
    else if (key === 'Sampled' && (value === '1' || value === '0')) parsed.sampled = value === '1';
  }
  return parsed;
}

/** The Root trace id of an `X-Amzn-Trace-Id` header, if well formed. */
export function rootTraceId(header: string | undefined | null): string | undefined {
  return parseTraceHeader(header)?.root;
}

/** The trace id of this request: the caller's if it sent one, Lambda's if set, else a new one. */
export function traceIdFor(header: string | undefined | null): string {
  return rootTraceId(header) ?? rootTraceId(process.env._X_AMZN_TRACE_ID) ?? newTraceId();
}

/** An SQS record as far as tracing reads it: the producer's trace, if the message carries one. */
interface TracedRecord {
  attributes: { AWSTraceHeader?: string | undefined };
}

/**
 * A queue consumer that continues each message's trace (SQS's `AWSTraceHeader`: the producer's,
 * or SNS's when the topic passes it on), so a write can be followed to the consumers it reached.
 */
export function traceQueueConsumer<E extends { Records: readonly TracedRecord[] }, R>(
  tracer: Tracer,
  name: string,
  handler: (event: E) => Promise<R>,
): (event: E) => Promise<R> {
  if (tracer === noTracer) return handler;
  return (event) =>
    tracer.continueTraces(
      name,
      event.Records.map((record) => record.attributes.AWSTraceHeader),
      () => handler(event),
    );
}
