import { gunzipSync, gzipSync } from 'node:zlib';
import { z } from 'zod';

/** The event Lambda receives from a CloudWatch Logs subscription filter. */
const subscriptionEvent = z.object({ awslogs: z.object({ data: z.string() }) });

/** One log event of a delivery. */
export interface CloudWatchLogEvent {
  id: string;
  /** Milliseconds since the epoch. */
  timestamp: number;
  message: string;
}

/** The inflated payload; CloudWatch sends one CONTROL_MESSAGE when a subscription is created, to check the destination. */
const subscriptionPayload = z.discriminatedUnion('messageType', [
  z.object({
    messageType: z.literal('DATA_MESSAGE'),
    owner: z.string(),
    logGroup: z.string().min(1),
    logStream: z.string().min(1),
    subscriptionFilters: z.array(z.string()),
    // Each event is checked by eventIssue: a schema per event cost as much as inflating the delivery.
    logEvents: z.array(z.unknown()),
  }),
  z.object({ messageType: z.literal('CONTROL_MESSAGE') }),
]);

/** Where a batch of log events comes from. */
export interface LogOrigin {
  /** AWS account id of the log group. */
  owner: string;
  logGroup: string;
  logStream: string;
}

export type DecodedPayload =
  | { kind: 'control' }
  | { kind: 'data'; origin: LogOrigin; subscriptionFilters: string[]; events: CloudWatchLogEvent[] };

/** The subscription event could not be read; `reason` says which layer was wrong. */
export class MalformedPayloadError extends Error {
  constructor(
    readonly reason: 'not-an-event' | 'not-base64' | 'not-gzip' | 'too-large' | 'not-json' | 'not-a-payload',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'MalformedPayloadError';
  }
}

const GZIP_MAGIC = [0x1f, 0x8b] as const;

const describeIssues = (error: z.ZodError) =>
  error.issues
    .slice(0, 5)
    .map((issue) => `${issue.path.join('.') || '(payload)'}: ${issue.message}`)
    .join('; ');

/**
 * Reads a subscription event: base64, then gzip (inflated up to `maxBytes`, so a gzip bomb fails
 * fast instead of exhausting memory), then the JSON payload checked against its schema.
 * Throws {@link MalformedPayloadError} for anything that is not a CloudWatch Logs delivery.
 */
export function decodeSubscriptionEvent(event: unknown, options: { maxBytes: number }): DecodedPayload {
  const parsedEvent = subscriptionEvent.safeParse(event);
  if (!parsedEvent.success) {
    throw new MalformedPayloadError(
      'not-an-event',
      `not a CloudWatch Logs subscription event (expected { awslogs: { data } }): ${describeIssues(parsedEvent.error)}`,
    );
  }
  const data = parsedEvent.data.awslogs.data.replace(/\s+/g, '');
  const compressed = Buffer.from(data, 'base64');
  // Node's decoder skips what is not base64 (and takes base64url's `-_`), so a wrong character
  // shows as fewer bytes than the length promises: checked without a pass of its own over the text.
  const padding = data.endsWith('==') ? 2 : data.endsWith('=') ? 1 : 0;
  if (data.length === 0 || data.length % 4 !== 0 || compressed.length !== (data.length / 4) * 3 - padding) {
    throw new MalformedPayloadError('not-base64', 'awslogs.data is not base64');
  }
  if (compressed[0] !== GZIP_MAGIC[0] || compressed[1] !== GZIP_MAGIC[1]) {
    throw new MalformedPayloadError('not-gzip', 'awslogs.data is base64 but not gzip');
  }
  let inflated: Buffer;
  try {
    inflated = gunzipSync(compressed, { maxOutputLength: options.maxBytes });
  } catch (error) {
    if (error instanceof RangeError || (error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') {
      throw new MalformedPayloadError(
        'too-large',
        `awslogs.data inflates to more than ${options.maxBytes} bytes`,
        { cause: error },
      );
    }
    throw new MalformedPayloadError(
      'not-gzip',
      `awslogs.data is not valid gzip: ${(error as Error).message}`,
      {
        cause: error,
      },
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(inflated.toString('utf8'));
  } catch (error) {
    throw new MalformedPayloadError('not-json', 'awslogs.data inflates to something that is not JSON', {
      cause: error,
    });
  }
  const payload = subscriptionPayload.safeParse(json);
  if (!payload.success) {
    throw new MalformedPayloadError(
      'not-a-payload',
      `not a CloudWatch Logs subscription payload: ${describeIssues(payload.error)}`,
    );
  }
  if (payload.data.messageType === 'CONTROL_MESSAGE') return { kind: 'control' };
  const { owner, logGroup, logStream, subscriptionFilters, logEvents } = payload.data;
  for (let position = 0; position < logEvents.length; position++) {
    const issue = eventIssue(logEvents[position]);
    if (issue) {
      throw new MalformedPayloadError(
        'not-a-payload',
        `not a CloudWatch Logs subscription payload: logEvents.${position}: ${issue}`,
      );
    }
  }
  const events = logEvents as CloudWatchLogEvent[];
  return { kind: 'data', origin: { owner, logGroup, logStream }, subscriptionFilters, events };
}

/** What is wrong with a log event, if anything: `id` a non-empty string, `timestamp` ms since the epoch, `message` a string. */
function eventIssue(event: unknown): string | undefined {
  if (typeof event !== 'object' || event === null) return 'expected an object';
  const { id, timestamp, message } = event as Record<string, unknown>;
  if (typeof id !== 'string' || id.length === 0) return 'id: expected a non-empty string';
  if (!Number.isSafeInteger(timestamp) || (timestamp as number) < 0) {
    return 'timestamp: expected milliseconds since the epoch';
  }
  if (typeof message !== 'string') return 'message: expected a string';
  return undefined;
}

/**
 * Builds a subscription event exactly as CloudWatch Logs delivers one (JSON, gzip, base64), for
 * tests and for feeding local log lines to the shipper.
 */
export function encodeSubscriptionEvent(
  payload:
    | { messageType: 'CONTROL_MESSAGE'; owner?: string; logGroup?: string; logStream?: string }
    | (LogOrigin & {
        messageType: 'DATA_MESSAGE';
        subscriptionFilters: string[];
        logEvents: CloudWatchLogEvent[];
      }),
): { awslogs: { data: string } } {
  return { awslogs: { data: gzipSync(JSON.stringify(payload)).toString('base64') } };
}
