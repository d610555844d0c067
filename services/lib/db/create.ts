import { RDSDataClient } from '@aws-sdk/client-rds-data';
import type { DbConfig } from '../config.ts';
import type { Tracer } from '../trace.ts';
import { dataApiDb } from './data-api.ts';
import { pgDb } from './pg.ts';
import type { Db } from './port.ts';

/** Builds the configured `Db` adapter: `pg` locally, the RDS Data API on Aurora. */
export function createDb(config: DbConfig, tracer: Tracer, region: string): Db {
  if (config.DB_DRIVER === 'pg') return pgDb({ connectionString: config.DATABASE_URL });
  const client = tracer.captureClient(
    new RDSDataClient({
      region,
      ...(config.DATA_API_ENDPOINT ? { endpoint: config.DATA_API_ENDPOINT } : {}),
    }),
  );
  return dataApiDb({
    client,
    resourceArn: config.DB_CLUSTER_ARN,
    secretArn: config.DB_SECRET_ARN,
    database: config.DB_NAME,
  });
}
