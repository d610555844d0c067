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
  /** Every response's latency in ms, sorted. */
  latencies: Float64Array;
}

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

/**
 * Closed-loop HTTP load from autocannon, a lean HTTP/1.1 client: `concurrency` connections, each
 * sending its next request when the last answers. It runs in a worker thread, so it never shares an
 * event loop with a server under test; it does share the machine's cores with it, which is one more
 * reason to compare servers only with each other, measured alike ({@link runInterleaved}).
 */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    // Plain JavaScript, so the worker needs no TypeScript loader.
    const worker = new Worker(fileURLToPath(new URL('./load-worker.mjs', import.meta.url)), {
      workerData: options,
    });
    worker.once('message', (run: MeasuredRun) => resolve(combineLoads([run])));
    worker.once('error', reject);
  });
}

/** What the worker measured: every response's latency in ms, the errors, and the seconds it took. */
type MeasuredRun = Pick<LoadResult, 'latencies' | 'errors' | 'seconds'>;

/** Runs summed up as one: their requests over their seconds, percentiles over all their latencies. */
export function combineLoads(results: MeasuredRun[]): LoadResult {
  const latencies = new Float64Array(results.reduce((sum, result) => sum + result.latencies.length, 0));
  let offset = 0;
  for (const result of results) {
    latencies.set(result.latencies, offset);
    offset += result.latencies.length;
  }
  latencies.sort();
  const requests = latencies.length;
  const seconds = results.reduce((sum, result) => sum + result.seconds, 0);
  return {
    requests,
    errors: results.reduce((sum, result) => sum + result.errors, 0),
    seconds,
    rps: requests / seconds,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
    latencies,
  };
}

/**
 * Loads `baseline` and `candidate` in turns, `rounds` short slices each, and combines each side's
 * slices. This machine's speed drifts by a third within a minute; two long runs one after the other
 * measure the drift as much as the servers, while alternating slices share it out evenly.
 */
export async function runInterleaved(
  baseline: LoadOptions,
  candidate: LoadOptions,
  rounds: number,
): Promise<{ baseline: LoadResult; candidate: LoadResult; sliceRatios: number[] }> {
  const baselines: LoadResult[] = [];
  const candidates: LoadResult[] = [];
  for (let round = 0; round < rounds; round++) {
    baselines.push(await runLoad(baseline));
    candidates.push(await runLoad(candidate));
  }
  return {
    baseline: combineLoads(baselines),
    candidate: combineLoads(candidates),
    sliceRatios: candidates.map((result, round) => result.rps / (baselines[round] as LoadResult).rps),
  };
}
