import type { UnformattedAttributes } from '@aws-lambda-powertools/logger/types';
import { describe, expect, it } from 'vitest';
import { EcsLogFormatter } from './log.ts';

const base = {
  logLevel: 'ERROR',
  timestamp: new Date('2026-11-26T20:00:00.000Z'),
  message: 'request failed',
  serviceName: 'bff',
  environment: 'test',
  awsRegion: 'eu-west-1',
  xRayTraceId: '1-5759e988-bd862e3fe1be46a994272793',
} as unknown as UnformattedAttributes;

describe('ECS log lines', () => {
  it('put a logged error’s fields at the top, where ECS and the log index expect them', () => {
    const line = new EcsLogFormatter()
      .formatAttributes(base, { error: new Error('boom', { cause: new Error('socket closed') }), part: 'x' })
      .getAttributes();
    expect(line).toMatchObject({
      '@timestamp': '2026-11-26T20:00:00.000Z',
      'log.level': 'error',
      'service.name': 'bff',
      'trace.id': '1-5759e988-bd862e3fe1be46a994272793',
      'error.type': 'Error',
      'error.message': 'boom',
      'error.cause': 'socket closed',
      part: 'x',
    });
    expect(line).not.toHaveProperty('error');
  });

  it('keeps a non-error value logged under `error` as it is', () => {
    const line = new EcsLogFormatter().formatAttributes(base, { error: 'timeout' }).getAttributes();
    expect(line.error).toBe('timeout');
  });
});
