import { randomFillSync } from 'node:crypto';

/** The header that carries a trace between hops: `Root=1-…;Parent=…;Sampled=1`. */
export const TRACE_HEADER = 'x-amzn-trace-id';

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
