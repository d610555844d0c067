import { context } from './trace-context.ts';
import type { Tracer } from './trace-port.ts';

/**
 * An AWS SDK v3 middleware around every call of `client` (retries included): an `aws` subsegment
 * named for the service, and the trace header on the request, which is how SQS fills a message's
 * `AWSTraceHeader` and SNS (with active tracing) passes the trace on to its subscribers.
 */
export function captureAwsClient<T>(client: T, tracer: Tracer): T {
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
