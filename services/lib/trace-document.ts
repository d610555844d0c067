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

/** Epoch seconds with sub-millisecond precision, as segment documents take them. */
export const now = () => (performance.timeOrigin + performance.now()) / 1000;

/** Records the HTTP status a dependency (or a hop) answered: 4xx an error, 5xx a fault, 429 a throttle. */
export function markStatus(node: SegmentDocument, code: number): void {
  node.http = { ...node.http, response: { status: code } };
  if (code === 429) node.throttle = true;
  if (code >= 400 && code < 500) node.error = true;
  if (code >= 500) node.fault = true;
}

/** Records an exception: a fault, or an error when it was the caller's (`clientError`). */
export function markFailure(node: SegmentDocument, error: unknown, clientError = false): void {
  if (clientError) node.error = true;
  else node.fault = true;
  const exception =
    error instanceof Error
      ? { message: error.message, type: error.name }
      : { message: String(error), type: 'Error' };
  node.cause = { exceptions: [...(node.cause?.exceptions ?? []), exception] };
}
