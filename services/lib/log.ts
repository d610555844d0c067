import { LogFormatter, Logger, LogItem } from '@aws-lambda-powertools/logger';
import type { LogAttributes, UnformattedAttributes } from '@aws-lambda-powertools/logger/types';

export type { Logger } from '@aws-lambda-powertools/logger';

const ECS_VERSION = '8.11.0';

/**
 * Writes Powertools log records as Elastic Common Schema documents, one JSON line each, so the
 * logs-shipper can index them without reshaping. Extra attributes are expected in ECS dotted form
 * (`http.response.status_code`, `url.path`, `event.duration`, `trace.id`).
 */
export class EcsLogFormatter extends LogFormatter {
  override formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    const context = attributes.lambdaContext;
    const ecs: LogAttributes = {
      '@timestamp': attributes.timestamp.toISOString(),
      'log.level': attributes.logLevel.toLowerCase(),
      message: attributes.message,
      'ecs.version': ECS_VERSION,
      'service.name': attributes.serviceName,
      'service.environment': attributes.environment,
      'event.dataset': `${attributes.serviceName}.log`,
      'cloud.provider': 'aws',
      'cloud.region': attributes.awsRegion,
      'trace.id': attributes.xRayTraceId,
      'faas.name': context?.functionName,
      'faas.coldstart': context?.coldStart,
      'faas.execution': context?.awsRequestId,
    };
    // Powertools files a logged error under `error`; ECS wants its fields at the top (`error.type`…).
    const { error, ...rest } = additional;
    const errorFields =
      error instanceof Error ? this.formatError(error) : error === undefined ? {} : { error };
    return new LogItem({ attributes: ecs }).addAttributes({ ...rest, ...errorFields });
  }

  override formatError(error: Error): LogAttributes {
    return {
      'error.type': error.name,
      'error.message': error.message,
      'error.stack_trace': error.stack,
      ...(error.cause instanceof Error ? { 'error.cause': error.cause.message } : {}),
    };
  }
}

export interface LoggerOptions {
  serviceName: string;
  level: 'DEBUG' | 'INFO' | 'WARN' | 'ERROR' | 'SILENT';
  environment: string;
}

/** One ECS JSON logger per deployable, created at cold start. */
export function createLogger(options: LoggerOptions): Logger {
  return new Logger({
    serviceName: options.serviceName,
    logLevel: options.level,
    environment: options.environment,
    logFormatter: new EcsLogFormatter(),
  });
}

const LEVELS = ['DEBUG', 'INFO', 'WARN', 'ERROR', 'CRITICAL', 'SILENT'];

/**
 * Whether `logger` writes `info` lines now. Lets the hottest path skip building a line nobody will
 * see: Powertools reads environment variables on every call, even one its level suppresses.
 */
export function writesInfo(logger: Pick<Logger, 'getLevelName'>): boolean {
  return LEVELS.indexOf(logger.getLevelName()) <= 1;
}

/** What request-scoped code logs with. */
export type RequestLog = Pick<Logger, 'debug' | 'info' | 'warn' | 'error'>;

/**
 * The deployable's logger with a request's keys (trace id, request id) on every line. A plain
 * wrapper rather than Powertools' `createChild`, which builds a whole Logger per request: on the
 * BFF's hottest reads that was an eighth of the CPU time.
 */
export function withKeys(logger: Logger, keys: Record<string, string>): RequestLog {
  // Powertools takes any mix of errors and attribute objects after the message.
  const bind =
    (write: Logger['info']): Logger['info'] =>
    (input, ...extra) =>
      write.call(logger, input, ...(extra as LogAttributes[]), keys);
  return {
    debug: bind(logger.debug),
    info: bind(logger.info),
    warn: bind(logger.warn),
    error: bind(logger.error),
  };
}
