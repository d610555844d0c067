import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import type { BffEnv } from '../env.ts';
import { checkHealth } from '../health/check.ts';

const state = z.enum(['up', 'down']);

const HealthReport = z
  .object({
    status: z.enum(['ok', 'degraded']),
    deps: z.object({ postgres: state, redis: state, elasticsearch: state, queues: state }),
  })
  .openapi('HealthReport');

const healthRoute = createRoute({
  method: 'get',
  path: '/health',
  tags: ['operations'],
  summary: 'Live state of every dependency',
  responses: {
    200: {
      description: 'Every dependency answers',
      content: { 'application/json': { schema: HealthReport } },
    },
    503: {
      description: 'At least one dependency does not answer',
      content: { 'application/json': { schema: HealthReport } },
    },
  },
});

export function healthRoutes() {
  return new OpenAPIHono<BffEnv>().openapi(healthRoute, async (c) => {
    const { probes, config } = c.get('deps');
    const report = await checkHealth(probes, config.HEALTH_PROBE_TIMEOUT_MS);
    c.header('cache-control', 'no-store');
    return c.json(report, report.status === 'ok' ? 200 : 503);
  });
}
