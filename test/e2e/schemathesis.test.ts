import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { pgDb } from '#lib/db/pg';
import { readMigrations, runMigrations } from '#lib/migrate';
import { noTracer } from '#lib/trace';
import { MIGRATIONS_DIR } from '#scripts/local/bootstrap';
import { type LocalServer, startLocalServer } from '#scripts/local/server';
import { issueLocalAccessToken } from '#scripts/token';
import { loadIndexerConfig } from '#services/sync/config';
import { wireSearchIndexer } from '#services/sync/search-indexer/wiring';
import { freePort } from '../support/child.ts';
import { runSchemathesis, schemathesisCommand, schemathesisConfig } from '../support/schemathesis.ts';
import { createScratchDatabase } from '../support/scratch-db.ts';

/** Fixed, so a failure found once is found again by the next run with the same code. */
const SEED = 20261205;
/** Per operation and phase; with the coverage phase's own cases, about a minute a caller on two cores. */
const MAX_EXAMPLES = 5;
const RUN_TIMEOUT_MS = 240_000;

/**
 * The BFF against its own OpenAPI description, with every check schemathesis has: no 5xx, only
 * declared statuses, content types and headers, bodies that match their schemas, schema-valid data
 * accepted and invalid data refused, 405 with Allow for undeclared methods, auth enforced, created
 * resources readable. Once as a curator and once as a KJ, who between them may call every route.
 */
describe('the API answers as its description says (schemathesis)', () => {
  let server: LocalServer;
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let command: string;
  let description: Parameters<typeof schemathesisConfig>[0];

  beforeAll(async () => {
    command = await schemathesisCommand((line) => console.log(line));
    // Schemathesis creates, changes and deletes what it finds (songs the other tests search for,
    // nights, playlists): it works on a database and a search index of its own, and sends no usage
    // events, so the tests that share the stack never see what it did.
    scratch = await createScratchDatabase(inject('databaseUrl'));
    const db = pgDb({ connectionString: scratch.url, maxConnections: 2 });
    await runMigrations(db, readMigrations(MIGRATIONS_DIR), () => {}).finally(() => db.close());
    const env = {
      ...inject('localEnv'),
      DATABASE_URL: scratch.url,
      SEARCH_INDEX_PREFIX: `schemathesis-${randomBytes(4).toString('hex')}-`,
      USAGE_EVENTS: 'off',
    };
    await wireSearchIndexer(loadIndexerConfig(env), noTracer).index.ensureReady();
    server = await startLocalServer(env, await freePort());
    description = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as typeof description;
  }, 300_000);

  afterAll(async () => {
    await server?.close();
    await scratch?.drop();
  });

  for (const caller of ['curator', 'kj'] as const) {
    it(
      `finds nothing wrong as the ${caller}`,
      async () => {
        const token = await issueLocalAccessToken(server.oidcIssuer, caller);
        const run = await runSchemathesis(command, schemathesisConfig(description), [
          `${server.url}/api/openapi.json`,
          '--checks',
          'all',
          '--seed',
          String(SEED),
          '--max-examples',
          String(MAX_EXAMPLES),
          '--header',
          `Authorization: Bearer ${token}`,
          // The caller is signed in by the Bearer token above. A session cookie made up alongside it
          // would be ignored (the token decides), which the auth check would misread as a made-up
          // credential being accepted; requests without any credentials are still sent.
          '--generation-with-security-parameters',
          'false',
          '--generation-database',
          'none',
          '--no-color',
        ]);
        expect(run.exitCode, run.output).toBe(0);
      },
      RUN_TIMEOUT_MS,
    );
  }
});
