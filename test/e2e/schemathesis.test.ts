import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type LocalServer, startLocalServer } from '#scripts/local/server';
import { startLocalSync } from '#scripts/local/sync';
import { issueLocalAccessToken } from '#scripts/token';
import { freePort } from '../support/child.ts';
import { runSchemathesis, schemathesisCommand, schemathesisConfig } from '../support/schemathesis.ts';

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
  let sync: { stop(): Promise<void> };
  let command: string;
  let description: Parameters<typeof schemathesisConfig>[0];

  beforeAll(async () => {
    command = await schemathesisCommand((line) => console.log(line));
    server = await startLocalServer(inject('localEnv'), await freePort());
    // The change chain, as in every test that searches: it makes the search index and fills it.
    sync = await startLocalSync({ env: inject('localEnv') });
    description = (await (await fetch(`${server.url}/api/openapi.json`)).json()) as typeof description;
  }, 300_000);

  afterAll(async () => {
    await sync?.stop();
    await server?.close();
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
