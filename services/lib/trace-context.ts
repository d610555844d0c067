import { AsyncLocalStorage } from 'node:async_hooks';
import type { SegmentDocument } from './trace-document.ts';

/** Where new subsegments go: one node per trace being recorded (several for a consumer's batch). */
export interface Open {
  traceId: string;
  node: SegmentDocument;
}
export type TraceContext = readonly Open[];

/**
 * One store for the process: a request's trace must be visible to every adapter it calls, whichever
 * tracer made them. No sampled request has entered it until the first `run`, so until then Node
 * installs no promise hook at all.
 */
export const context = new AsyncLocalStorage<TraceContext>();

/** Whether a sampled trace is being recorded here now: what an instrumented call checks first. */
export const recordingNow = (): boolean => context.getStore() !== undefined;
