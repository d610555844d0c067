import { awsConfig, dbConfig, parseConfig } from '#lib/config';
import { createDb } from '#lib/db/create';
import { readMigrations, runMigrations } from '#lib/migrate';
import { xrayTracer } from '#lib/trace';
import { MIGRATIONS_DIR } from './local/bootstrap.ts';

/**
 * `npm run migrate`: applies pending migrations to the database the environment names, through
 * the same `Db` port the services use: `DB_DRIVER=pg` with `DATABASE_URL`, or `DB_DRIVER=data-api`
 * with `DB_CLUSTER_ARN`, `DB_SECRET_ARN`, `DB_NAME` and `AWS_REGION` (a deploy step on AWS).
 * `npm start` and the tests apply them by themselves.
 */
async function main(): Promise<void> {
  const config = parseConfig('migrate', awsConfig.and(dbConfig), process.env);
  const db = createDb(config, xrayTracer(), config.AWS_REGION);
  try {
    const result = await runMigrations(db, readMigrations(MIGRATIONS_DIR), (line) => console.log(line));
    console.log(`${result.applied.length} applied, ${result.alreadyApplied.length} already applied.`);
  } finally {
    await db.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
