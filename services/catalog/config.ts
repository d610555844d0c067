import { z } from 'zod';
import { actorTokenVerifyConfig } from '#lib/actor-token';
import {
  awsConfig,
  configFields,
  dbConfig,
  type Env,
  logConfig,
  parseConfig,
  searchConfig,
} from '#lib/config';

/** The media bucket and the upload limit, for the catalog and the media inspector alike. */
export const mediaConfig = z.object({
  MEDIA_BUCKET: configFields.required('name of the S3 media bucket'),
  MEDIA_MAX_UPLOAD_BYTES: z.coerce
    .number()
    .int()
    .min(1)
    .max(5 * 1024 ** 3, 'at most 5 GiB (one S3 POST)')
    .default(200 * 1024 * 1024),
});
export type MediaConfig = z.infer<typeof mediaConfig>;

const catalogConfigSchema = logConfig
  .and(actorTokenVerifyConfig)
  .and(awsConfig)
  .and(searchConfig)
  .and(dbConfig)
  .and(mediaConfig);
export type CatalogConfig = z.infer<typeof catalogConfigSchema>;

export function loadCatalogConfig(env: Env): CatalogConfig {
  return parseConfig('catalog', catalogConfigSchema, env);
}
