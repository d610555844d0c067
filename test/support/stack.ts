import { chmodSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { StackPartError } from './child.ts';
import { startElasticsearch } from './elasticsearch.ts';
import { startMoto } from './moto.ts';
import type { PartOptions, StackPart } from './part.ts';
import { startPostgres } from './postgres.ts';
import { startRedis } from './redis.ts';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

export interface StackUrls {
  databaseUrl: string;
  redisUrl: string;
  elasticsearchUrl: string;
  awsEndpointUrl: string;
}

export interface RunningStack {
  urls: StackUrls;
  parts: StackPart[];
  runDir: string;
  /** Stops every part this stack started (never the external ones), in parallel. */
  stop(): Promise<void>;
}

export interface StackOptions {
  /**
   * Keep data between starts in `.local/data` (the local stack). Otherwise a throwaway folder is
   * used and removed on stop (tests).
   */
  persistent: boolean;
  progress?: (line: string) => void;
}

/**
 * Starts PostgreSQL, Redis, Elasticsearch and moto side by side (each honours its override
 * variable), prints how long each took, and stops whatever did start if one of them fails.
 */
export async function startStack(options: StackOptions): Promise<RunningStack> {
  const progress = options.progress ?? ((line: string) => console.log(line));
  const cacheDir = join(REPO_ROOT, '.local', 'cache');
  const runDir = options.persistent
    ? join(REPO_ROOT, '.local', 'data')
    : mkdtempSync(join(tmpdir(), 'karaoke-stack-'));
  mkdirSync(cacheDir, { recursive: true });
  mkdirSync(runDir, { recursive: true });
  // Servers that drop root privileges must still reach their folders.
  chmodSync(runDir, 0o755);
  const partOptions: PartOptions = { runDir, cacheDir, progress };

  const results = await Promise.allSettled([
    startPostgres({ ...partOptions, persistent: options.persistent }),
    startRedis(partOptions),
    startElasticsearch(partOptions),
    startMoto(partOptions),
  ]);
  const parts = results.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  const stop = async () => {
    await Promise.allSettled(parts.filter((part) => !part.external).map((part) => part.stop()));
    if (!options.persistent) rmSync(runDir, { recursive: true, force: true });
  };
  const failures = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
  if (failures.length > 0) {
    await stop();
    const messages = failures.map((error) => (error instanceof Error ? error.message : String(error)));
    throw new StackPartError(`The local stack did not start:\n\n${messages.join('\n\n')}`);
  }
  for (const part of parts) {
    const how = part.external ? 'external (override)' : 'started';
    progress(
      `  ${part.name.padEnd(14)} ${(part.startedInMs / 1000).toFixed(1).padStart(6)} s  ${how}  ${part.url}`,
    );
  }
  const urlOf = (name: StackPart['name']) => parts.find((part) => part.name === name)?.url ?? '';
  return {
    urls: {
      databaseUrl: urlOf('postgres'),
      redisUrl: urlOf('redis'),
      elasticsearchUrl: urlOf('elasticsearch'),
      awsEndpointUrl: urlOf('moto'),
    },
    parts,
    runDir,
    stop,
  };
}
