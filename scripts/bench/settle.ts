import { SQSClient } from '@aws-sdk/client-sqs';
import pg from 'pg';
import { awsClientConfig } from '#lib/aws';
import { LOCAL_REGION } from '../local/bootstrap.ts';
import { messagesHeld } from '../local/sqs-poller.ts';

/** The queues of the change chain whose consumers touch what reads return (index, read cache). */
const CHAIN_QUEUES = ['SEARCH_INDEXER_QUEUE_URL', 'CACHE_INVALIDATOR_QUEUE_URL'] as const;
/** Checks in a row that must find the chain empty: a message may be between outbox and queue. */
const QUIET_CHECKS = 3;
const CHECK_EVERY_MS = 500;

/**
 * Resolves once the change chain has caught up with the writes made so far: no outbox row waits to
 * be published and the indexer's and invalidator's queues hold no message, waiting or in flight.
 * A read measured while the chain still works through a burst of setup writes would pay for that
 * work (and miss the cache each time a batch invalidates its songs), which is not what it measures.
 */
export async function chainSettled(
  env: Record<string, string | undefined>,
  log: (line: string) => void,
): Promise<void> {
  const database = new pg.Client({ connectionString: env.DATABASE_URL });
  const sqs = new SQSClient(
    awsClientConfig({ AWS_REGION: env.AWS_REGION ?? LOCAL_REGION, AWS_ENDPOINT_URL: env.AWS_ENDPOINT_URL }),
  );
  await database.connect();
  try {
    let quiet = 0;
    let lastReport = 0;
    while (quiet < QUIET_CHECKS) {
      const [{ rows }, ...depths] = await Promise.all([
        database.query<{ pending: number }>(
          'SELECT count(*)::int AS pending FROM outbox WHERE published_at IS NULL',
        ),
        ...CHAIN_QUEUES.map((name) => messagesHeld(sqs, queueUrl(env, name))),
      ]);
      const pending = rows[0]?.pending ?? 0;
      const messages = depths.reduce((sum, depth) => sum + depth, 0);
      quiet = pending === 0 && messages === 0 ? quiet + 1 : 0;
      if (quiet === 0 && Date.now() - lastReport > 5000) {
        log(`  waiting for the change chain: ${pending} outbox rows, ${messages} queued messages…`);
        lastReport = Date.now();
      }
      await new Promise((resolve) => setTimeout(resolve, CHECK_EVERY_MS));
    }
  } finally {
    sqs.destroy();
    await database.end();
  }
}

function queueUrl(env: Record<string, string | undefined>, name: string): string {
  const url = env[name];
  if (!url) throw new Error(`${name} must be set (scripts/local/bootstrap.ts sets it)`);
  return url;
}
