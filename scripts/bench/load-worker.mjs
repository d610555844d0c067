// The load generator's worker thread (see load.ts): autocannon's closed-loop connections, latencies in ms.
import { parentPort, workerData } from 'node:worker_threads';
import autocannon from 'autocannon';

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

/** The measured run after a warm-up: every latency, the errors and how long it took (load.ts sums it up). */
async function generate(options) {
  await fire(options, options.warmupSeconds ?? 1);
  const { result, latencies, failed, seconds } = await fire(options, options.seconds);
  return {
    latencies: Float64Array.from(latencies),
    errors: failed + result.errors + result.timeouts,
    seconds,
  };
}

generate(workerData).then((run) => parentPort.postMessage(run, [run.latencies.buffer]));
