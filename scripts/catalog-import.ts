import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { ACTOR_TOKEN_HEADER, actorTokenSigner } from '#lib/actor-token';
import * as catalog from '#services/catalog/contract';
import { type CatalogRow, readCatalog } from './catalog/rows.ts';
import { rebuildSearchIndex } from './local/search-index.ts';
import { runningLocalStack } from './local/stack-file.ts';

const BATCH_SIZE = 500;

/**
 * `npm run catalog:import -- <csv>`: loads a catalog into the running local stack through the
 * catalog service, so every song takes the same path as a curator's write (triggers, outbox,
 * search). Idempotent on (title, artist). Local stage only.
 */
async function main(): Promise<void> {
  const file = process.argv[2];
  if (!file)
    throw new Error(
      'Usage: npm run catalog:import -- <catalog.csv>   (e.g. ../shared/data/catalog/hot100-songs.csv)',
    );
  const path = resolve(file);
  if (!existsSync(path)) throw new Error(`No such file: ${path}`);
  // The catalog's internal route, with an actor token signed by the stack's own key: local stage only.
  const stack = runningLocalStack();
  const baseUrl = stack.internalUrl;
  const signer = actorTokenSigner(stack.env.ACTOR_TOKEN_SIGNING_KEY ?? '');
  const started = Date.now();
  const totals = { read: 0, inserted: 0, updated: 0, unchanged: 0, rejected: 0 };
  let batch: Array<Extract<CatalogRow, { ok: true }>> = [];

  const send = async () => {
    if (batch.length === 0) return;
    const response = await fetch(`${baseUrl}${catalog.basePath}${catalog.routes.import.path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [ACTOR_TOKEN_HEADER]: await signer.sign('catalog') },
      body: JSON.stringify({ songs: batch.map((row) => row.song) }),
    }).catch((error: Error) => {
      throw new Error(
        `Cannot reach the catalog service at ${baseUrl} (${error.message}). Is \`npm start\` running?`,
      );
    });
    if (!response.ok) {
      const lines = `${batch[0]?.line}–${batch.at(-1)?.line}`;
      throw new Error(
        `The catalog service refused lines ${lines}: HTTP ${response.status} ${await response.text()}`,
      );
    }
    const result = (await response.json()) as { inserted: number; updated: number; unchanged: number };
    totals.inserted += result.inserted;
    totals.updated += result.updated;
    totals.unchanged += result.unchanged;
    batch = [];
    const seconds = (Date.now() - started) / 1000;
    process.stdout.write(
      `\r  ${totals.read} rows read, ${totals.inserted} new, ${(totals.read / seconds).toFixed(0)} rows/s   `,
    );
  };

  console.log(`Importing ${path} into ${baseUrl}`);
  for await (const row of readCatalog(path)) {
    totals.read++;
    if (!row.ok) {
      totals.rejected++;
      console.error(`\n  line ${row.line} rejected: ${row.problems.join('; ')}`);
      continue;
    }
    batch.push(row);
    if (batch.length >= BATCH_SIZE) await send();
  }
  await send();
  const seconds = (Date.now() - started) / 1000;
  console.log(
    `\nDone in ${seconds.toFixed(1)} s: ${totals.read} rows, ${totals.inserted} inserted, ${totals.updated} updated, ` +
      `${totals.unchanged} unchanged, ${totals.rejected} rejected (${(totals.read / seconds).toFixed(0)} rows/s).`,
  );
  if (totals.inserted + totals.updated > BULK_ROWS) {
    // Every row's change also travels the local chain, but moto passes only about ten messages a
    // second, so a bulk load would take many minutes to become searchable that way. The index is
    // rebuilt from PostgreSQL instead; the chain's messages then arrive as stale no-ops.
    console.log('Rebuilding the search index from PostgreSQL, so the whole catalog is searchable now…');
    const indexed = await rebuildSearchIndex(stack.env, (done) =>
      process.stdout.write(`\r  ${done} songs indexed`),
    );
    console.log(`\nSearchable: ${indexed.documents} songs in ${indexed.index}.`);
  }
}

/** More rows than this in one local import are made searchable by a reindex (see above). */
const BULK_ROWS = 1000;

main().catch((error: unknown) => {
  console.error(`\n${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
