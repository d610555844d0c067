import { rebuildSearchIndex } from './local/search-index.ts';
import { runningLocalStack } from './local/stack-file.ts';

/**
 * `npm run reindex`: builds a new song index from PostgreSQL and swaps the aliases, while writes
 * continue. Uses the running local stack, or the environment when STAGE is set (catalog config).
 */
async function main(): Promise<void> {
  const env = process.env.STAGE ? process.env : runningLocalStack().env;
  const started = Date.now();
  const result = await rebuildSearchIndex(env, (done) => process.stdout.write(`\r  ${done} songs written`));
  const seconds = (Date.now() - started) / 1000;
  console.log(
    `\nReindexed ${result.documents} songs into ${result.index} in ${seconds.toFixed(1)} s` +
      (result.previous ? ` (replaced ${result.previous})` : ''),
  );
}

main().catch((error: unknown) => {
  console.error(`\n${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
