import { type Tracer, xrayTracer } from '#lib/trace';

/** The message attribute that stands in for SNS active tracing locally (moto does not pass traces on). */
export const LOCAL_TRACE_ATTRIBUTE = 'AWSTraceHeader';

interface PublishBatchInput {
  PublishBatchRequestEntries?: Array<{ MessageAttributes?: Record<string, unknown> }>;
  MessageAttributes?: Record<string, unknown>;
}

/**
 * The local stack's tracer: {@link xrayTracer} from the local environment, plus what SNS does on AWS
 * with active tracing and moto does not: a published message carries the publisher's trace header
 * to its queues. Here it travels as a message attribute, which the local SQS poller
 * (scripts/local/sqs-poller.ts) turns back into the record's `AWSTraceHeader`.
 */
export function localTracer(env: Record<string, string | undefined>): Tracer {
  const tracer = xrayTracer(env);
  return {
    ...tracer,
    captureClient(client) {
      const captured = tracer.captureClient(client);
      const stack = (captured as { middlewareStack?: { add: (...args: unknown[]) => void } }).middlewareStack;
      stack?.add(
        (next: (args: unknown) => Promise<unknown>, context: { clientName?: string }) =>
          (args: { input: PublishBatchInput }) => {
            const header = context.clientName === 'SNSClient' ? tracer.currentHeader() : undefined;
            if (header) {
              const attribute = { DataType: 'String', StringValue: header };
              for (const entry of args.input.PublishBatchRequestEntries ?? []) {
                entry.MessageAttributes = { ...entry.MessageAttributes, [LOCAL_TRACE_ATTRIBUTE]: attribute };
              }
              if (!args.input.PublishBatchRequestEntries) {
                args.input.MessageAttributes = {
                  ...args.input.MessageAttributes,
                  [LOCAL_TRACE_ATTRIBUTE]: attribute,
                };
              }
            }
            return next(args);
          },
        // On the input, before it is serialised into the request.
        { step: 'initialize', name: 'localSnsTracing' },
      );
      return captured;
    },
  };
}
