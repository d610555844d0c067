import { captureAwsClient } from './trace-aws.ts';
import { context, type TraceContext } from './trace-context.ts';
import { markFailure, markStatus, now, type SegmentDocument } from './trace-document.ts';
import { newSegmentId, parseTraceHeader } from './trace-ids.ts';
import { noSpan, type Span, type SpanDetails, type Tracer } from './trace-port.ts';

export interface SegmentTracerOptions {
  /** Sends one finished document (a segment, or a subsegment of a facade). */
  emit: (document: SegmentDocument) => void;
  /** Decides for a trace that arrives without a decision. */
  sample: () => boolean;
  /** On Lambda, hops hang under Lambda's own segment (`_X_AMZN_TRACE_ID`) instead of sending one. */
  onLambda: boolean;
}

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
    try {
      return await context.run(opened, work);
    } catch (error) {
      for (const { root } of roots) markFailure(root, error);
      throw error;
    } finally {
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
      if (request.http) traced.root.http = { request: request.http() };
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
