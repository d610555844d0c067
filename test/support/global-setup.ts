import type { TestProject } from 'vitest/node';
import { bootstrapLocal } from '#scripts/local/bootstrap';
import { type RunningStack, startStack } from './stack.ts';

interface SharedStack {
  stack: Promise<{ stack: RunningStack; env: Record<string, string> }>;
  users: number;
}

const KEY = Symbol.for('karaoke-suite.test-stack');
const store = globalThis as unknown as Record<symbol, SharedStack | undefined>;

/**
 * Starts the real stack once per test run, however many projects (integration, e2e) ask for it,
 * and hands its URLs and the deployables' environment to the tests through `inject()`.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let shared = store[KEY];
  if (!shared) {
    shared = {
      users: 0,
      stack: (async () => {
        const started = Date.now();
        console.log('Starting the test stack (PostgreSQL, Redis, Elasticsearch, moto)…');
        const stack = await startStack({ persistent: false, progress: (line) => console.log(line) });
        try {
          const { env } = await bootstrapLocal(stack.urls, () => {});
          console.log(`Test stack ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
          return { stack, env };
        } catch (error) {
          await stack.stop();
          throw error;
        }
      })(),
    };
    store[KEY] = shared;
  }
  shared.users++;
  const { stack, env } = await shared.stack;
  project.provide('databaseUrl', stack.urls.databaseUrl);
  project.provide('redisUrl', stack.urls.redisUrl);
  project.provide('elasticsearchUrl', stack.urls.elasticsearchUrl);
  project.provide('awsEndpointUrl', stack.urls.awsEndpointUrl);
  project.provide('localEnv', env);
  return async () => {
    if (!shared) return;
    shared.users--;
    if (shared.users === 0) {
      store[KEY] = undefined;
      await stack.stop();
    }
  };
}
