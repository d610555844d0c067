import pg from 'pg';

/**
 * The local stand-in for the trigger's asynchronous Lambda invoke: LISTENs on the `outbox`
 * channel (PostgreSQL delivers a notification only when its transaction commits) and runs
 * `drain`. Notifications that arrive during a drain coalesce into one more drain.
 */
export async function startOutboxListener(options: {
  databaseUrl: string;
  drain: () => Promise<unknown>;
  onError: (error: unknown) => void;
}): Promise<{ stop(): Promise<void> }> {
  const client = new pg.Client({ connectionString: options.databaseUrl });
  client.on('error', options.onError);
  await client.connect();
  let running: Promise<void> | null = null;
  let again = false;
  const wake = () => {
    if (running) {
      again = true;
      return;
    }
    running = (async () => {
      do {
        again = false;
        await options.drain().catch(options.onError);
      } while (again);
    })().finally(() => {
      running = null;
    });
  };
  client.on('notification', wake);
  await client.query('LISTEN outbox');
  wake();
  return {
    async stop() {
      client.removeListener('notification', wake);
      await running;
      await client.end().catch(() => {});
    },
  };
}
