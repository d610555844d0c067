import { RDSDataClient } from '@aws-sdk/client-rds-data';
import { inject } from 'vitest';
import { dataApiDb } from '#lib/db/data-api';
import { pgDb } from '#lib/db/pg';
import type { Db } from '#lib/db/port';
import { readMigrations, runMigrations } from '#lib/migrate';
import { MIGRATIONS_DIR } from '#scripts/local/bootstrap';
import { startDataApiServer } from './data-api-server.ts';
import { createScratchDatabase } from './scratch-db.ts';

export type DbAdapter = 'pg' | 'data-api';

export interface ServiceDb {
  /** Statements go through the adapter under test. */
  db: Db;
  /** Plain pg on the same database, for checking what was written. */
  inspect: Db;
  url: string;
  close(): Promise<void>;
}

/** A migrated scratch database, served through the `Db` adapter named (the Data API through the local endpoint). */
export async function openServiceDb(adapter: DbAdapter): Promise<ServiceDb> {
  const scratch = await createScratchDatabase(inject('databaseUrl'));
  const inspect = pgDb({ connectionString: scratch.url });
  await runMigrations(inspect, readMigrations(MIGRATIONS_DIR));
  const closers: Array<() => Promise<void>> = [];
  let db: Db = inspect;
  if (adapter === 'data-api') {
    const server = await startDataApiServer({ databaseUrl: scratch.url });
    const client = new RDSDataClient({
      endpoint: server.url,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    db = dataApiDb({
      client,
      resourceArn: 'arn:aws:rds:us-east-1:123456789012:cluster:karaoke',
      secretArn: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:karaoke',
      database: new URL(scratch.url).pathname.slice(1),
    });
    closers.push(async () => {
      await db.close();
      client.destroy();
      await server.stop();
    });
  }
  return {
    db,
    inspect,
    url: scratch.url,
    async close() {
      for (const close of closers) await close();
      await inspect.close();
      await scratch.drop();
    },
  };
}
