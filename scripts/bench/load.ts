import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

export interface LoadOptions {
  /** URLs to request, taken round-robin. */
  urls: string[];
  headers?: Record<string, string>;
  concurrency: number;
  /** How long the measured run lasts, after a warm-up of `warmupSeconds` (default 1). */
  seconds: number;
  warmupSeconds?: number;
}

export interface LoadResult {
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  p50: number;
  p95: number;
  p99: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/**
 * Closed-loop HTTP load from autocannon, a lean HTTP/1.1 client, so the generator is not what limits
 * a fast server: `concurrency` connections, each sending its next request when the last answers. It
 * runs in a worker thread, so it never shares an event loop with a server under test.
 */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    // Plain JavaScript, so the worker needs no TypeScript loader.
    const worker = new Worker(fileURLToPath(new URL('./load-worker.mjs', import.meta.url)), {
      workerData: options,
    });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}
