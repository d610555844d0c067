// The load generator's worker thread (see load.ts): autocannon's closed-loop connections, latencies in ms.
import { parentPort, workerData } from 'node:worker_threads';
import autocannon from 'autocannon';

const percentile = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];

/** One autocannon run; resolves with its result and every response's latency. */
function fire(options, seconds) {
  const first = new URL(options.urls[0]);
  const latencies = [];
  let failed = 0;
  const instance = autocannon(
    {
      url: first.origin,
      connections: options.concurrency,
      duration: seconds,
      // Each connection cycles through the URLs in order.
      requests: options.urls.map((url) => {
        const { pathname, search } = new URL(url);
        return { method: 'GET', path: `${pathname}${search}`, headers: options.headers ?? {} };
      }),
    },
    () => {},
  );
  instance.on('response', (_client, statusCode, _bytes, responseTime) => {
    latencies.push(responseTime);
    if (statusCode >= 400) failed++;
  });
  const started = performance.now();
  return new Promise((resolve, reject) => {
    instance.on('done', (result) =>
      resolve({ result, latencies, failed, seconds: (performance.now() - started) / 1000 }),
    );
    instance.on('error', reject);
  });
}

async function generate(options) {
  await fire(options, options.warmupSeconds ?? 1);
  const { result, latencies, failed, seconds } = await fire(options, options.seconds);
  const sorted = Float64Array.from(latencies).sort();
  return {
    requests: sorted.length,
    errors: failed + result.errors + result.timeouts,
    seconds,
    rps: sorted.length / seconds,
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    latencies: sorted,
  };
}

generate(workerData).then((result) => parentPort.postMessage(result, [result.latencies.buffer]));
