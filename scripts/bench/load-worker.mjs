// The load generator's worker thread (see load.ts): closed-loop HTTP requests, latencies in ms.
import { parentPort, workerData } from 'node:worker_threads';

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

async function generate(options) {
  let next = 0;
  const take = () => options.urls[next++ % options.urls.length];
  for (let i = 0; i < (options.warmupRequests ?? 50); i++) {
    await fetch(take(), { headers: options.headers }).then((response) => response.arrayBuffer());
  }
  const latencies = [];
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

generate(workerData).then((result) => parentPort.postMessage(result));
