import type { OpenAPIHono } from '@hono/zod-openapi';
import type { ServiceEnv } from '#lib/service-app';
import { routes } from '../contract.ts';
import type { MediaService } from './service.ts';

/** Ids as the database writes them: an object key built from an upper-case id would match no row. */
const songIdOf = (param: { id: string }) => param.id.toLowerCase();

/** The media routes of the catalog's internal API; the BFF decides who may call which. */
export function mediaRoutes(app: OpenAPIHono<ServiceEnv>, media: MediaService) {
  return app
    .openapi(routes.mediaUpload, async (c) =>
      c.json(await media.requestUpload(songIdOf(c.req.valid('param')), c.req.valid('json')), 201),
    )
    .openapi(routes.mediaList, async (c) =>
      c.json(await media.list(songIdOf(c.req.valid('param')), c.req.valid('query').status), 200),
    )
    .openapi(routes.mediaRemove, async (c) => {
      const param = c.req.valid('param');
      await media.remove(songIdOf(param), param.mediaId.toLowerCase());
      return c.body(null, 204);
    })
    .openapi(routes.mediaStream, async (c) =>
      c.json(await media.streamLink(songIdOf(c.req.valid('param'))), 200),
    )
    .openapi(routes.mediaDownload, async (c) =>
      c.json(await media.downloadLink(songIdOf(c.req.valid('param'))), 200),
    );
}
