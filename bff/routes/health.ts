import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { hasAnyRole } from '../auth/principal.ts';
import type { BffEnv } from '../env.ts';
import { checkHealth, sharedHealthCheck } from '../health/check.ts';

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
  summary: 'State of every dependency (live for admins, at most HEALTH_CACHE_MS old for others)',
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

/**
 * `GET /api/health`: admins get a live check; everyone else the last one while it is younger than
 * `HEALTH_CACHE_MS`, so a flood of anonymous requests probes the dependencies once per window.
 */
export function healthRoutes() {
  let shared: ReturnType<typeof sharedHealthCheck> | undefined;
  return new OpenAPIHono<BffEnv>().openapi(healthRoute, async (c) => {
    const { probes, config } = c.get('deps');
    shared ??= sharedHealthCheck(
      () => checkHealth(probes, config.HEALTH_PROBE_TIMEOUT_MS),
      config.HEALTH_CACHE_MS ?? 0,
    );
    const principal = c.get('principal');
    const report = await (principal && hasAnyRole(principal, ['admin']) ? shared.live() : shared.recent());
    c.header('cache-control', 'no-store');
    return c.json(report, report.status === 'ok' ? 200 : 503);
  });
}
