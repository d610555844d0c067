import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

export interface LoadOptions {
  /** URLs to request, taken round-robin. */
  urls: string[];
  headers?: Record<string, string>;
  concurrency: number;
  /** Stops after this many requests or this many milliseconds, whichever comes first. */
  maxRequests: number;
  maxMs: number;
  warmupRequests?: number;
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
 * Closed-loop HTTP load from a worker thread, so the generator does not share an event loop with
 * the server under test: `concurrency` loops, each sending its next request when the last answers.
 */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(fileURLToPath(import.meta.url), {
      workerData: options,
      execArgv: ['--import', 'tsx'],
    });
    worker.once('message', resolve);
    worker.once('error', reject);
  });
}

async function generate(options: LoadOptions): Promise<LoadResult> {
  let next = 0;
  const take = () => options.urls[next++ % options.urls.length] as string;
  for (let i = 0; i < (options.warmupRequests ?? 50); i++)
    await fetch(take(), { headers: options.headers }).then((r) => r.arrayBuffer());
  const latencies: number[] = [];
  let errors = 0;
  let sent = 0;
  const started = performance.now();
  const deadline = started + options.maxMs;
  const loop = async () => {
    while (sent < options.maxRequests && performance.now() < deadline) {
      sent++;
      const t = performance.now();
      try {
        const response = await fetch(take(), { headers: options.headers });
        await response.arrayBuffer();
        if (!response.ok) errors++;
      } catch {
        errors++;
      }
      latencies.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, loop));
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    errors,
    seconds,
    rps: latencies.length / seconds,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    p99: percentile(latencies, 99),
  };
}

if (!isMainThread && parentPort) {
  const port = parentPort;
  void generate(workerData as LoadOptions).then((result) => port.postMessage(result));
}
