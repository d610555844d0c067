import { RDSDataClient } from '@aws-sdk/client-rds-data';
import type { DbConfig } from '../config.ts';
import type { Tracer } from '../trace.ts';
import { traceCarryingDb, tracedDb } from '../trace-capture.ts';
import { dataApiDb } from './data-api.ts';
import { pgDb } from './pg.ts';
import type { Db } from './port.ts';

/**
 * Builds the configured `Db` adapter: `pg` locally, the RDS Data API on Aurora. Its statements are
 * traced (the Data API's as AWS calls, pg's as PostgreSQL subsegments) and its writes carry their
 * trace into the outbox.
 */
export function createDb(config: DbConfig, tracer: Tracer, region: string): Db {
  if (config.DB_DRIVER === 'pg') {
    return traceCarryingDb(tracedDb(pgDb({ connectionString: config.DATABASE_URL }), tracer), tracer);
  }
  const client = tracer.captureClient(
    new RDSDataClient({
      region,
      ...(config.DATA_API_ENDPOINT ? { endpoint: config.DATA_API_ENDPOINT } : {}),
    }),
  );
  return traceCarryingDb(
    dataApiDb({
      client,
      resourceArn: config.DB_CLUSTER_ARN,
      secretArn: config.DB_SECRET_ARN,
      database: config.DB_NAME,
    }),
    tracer,
  );
}
