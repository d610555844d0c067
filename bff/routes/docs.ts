import { swaggerUI } from '@hono/swagger-ui';
import { Hono } from 'hono';

/** `GET /api/docs`: Swagger UI over the generated `/api/openapi.json`. Mounted at `/api`. */
export function docsRoutes() {
  return new Hono().get('/docs', swaggerUI({ url: '/api/openapi.json', title: 'Karaoke Suite API' }));
}
