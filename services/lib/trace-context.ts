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
 * tracer made them. On Node 24 a store travels with the async context frame and installs no promise
 * hook (on Node 22 entering one slowed every promise of the process, sampled request or not).
 */
export const context = new AsyncLocalStorage<TraceContext>();

/** Whether a sampled trace is being recorded here now: what an instrumented call checks first. */
export const recordingNow = (): boolean => context.getStore() !== undefined;
