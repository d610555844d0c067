import { daemonEmitter } from './trace-emitter.ts';
import { newTraceId } from './trace-ids.ts';
import { noTracer, type Tracer } from './trace-port.ts';
import { samplingRule } from './trace-sampling.ts';
import { segmentTracer } from './trace-segments.ts';

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
 *
 * The parts: trace-ids.ts (ids and the trace header), trace-port.ts (the {@link Tracer} port),
 * trace-context.ts (the store of the segment being recorded), trace-document.ts (the segment
 * document), trace-segments.ts (the tracer that fills it), trace-emitter.ts (the daemon's UDP
 * protocol), trace-sampling.ts (X-Ray's default rule), trace-aws.ts and trace-capture.ts (the
 * clients' instrumentation). This module is the one the rest of the code imports.
 */
export type { SegmentDocument } from './trace-document.ts';
export { DAEMON_PREAMBLE, parseDaemonAddress } from './trace-emitter.ts';
export {
  newSegmentId,
  newTraceId,
  parseTraceHeader,
  rootTraceId,
  TRACE_HEADER,
  type TraceHeader,
  traceIdFor,
} from './trace-ids.ts';
export { type HopRequest, noTracer, type Span, type SpanDetails, type Tracer } from './trace-port.ts';
export { samplingRule } from './trace-sampling.ts';
export { type SegmentTracerOptions, segmentTracer } from './trace-segments.ts';

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

/**
 * A function invoked with no trace to continue (a schedule, a notification that carries none) as
 * a hop of its own: on Lambda under the invocation's segment, elsewhere in a new trace if the
 * sampling rule takes it. Its AWS calls (an S3 listing, a PutObject) are then its subsegments.
 */
export function traceInvocation<A extends unknown[], R>(
  tracer: Tracer,
  name: string,
  handler: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  if (tracer === noTracer) return handler;
  return (...args) => tracer.hop({ name, traceId: newTraceId(), header: undefined }, () => handler(...args));
}
