import { execFile } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/**
 * The environment a function gets on AWS, built around the local stack's (`localEnv`): Aurora
 * through the Data API (bundles leave pg out), and what the BFF and the logs-shipper need besides.
 * Nothing is called at import, so the addresses that are not the stack's need not answer.
 */
export function deployedEnv(
  localEnv: Record<string, string | undefined>,
): Record<string, string | undefined> {
  const unused = 'http://127.0.0.1:9';
  return {
    PATH: process.env.PATH,
    ...localEnv,
    LOG_LEVEL: 'WARN',
    OIDC_ISSUER: `${unused}/oidc`,
    PUBLIC_BASE_URL: unused,
    SERVICES_BASE_URL: unused,
    SERVICE_AUTH: 'none',
    LOGS_DEAD_LETTER_QUEUE_URL: localEnv.DLQ_URLS?.split(',')[0],
    DB_DRIVER: 'data-api',
    DB_CLUSTER_ARN: 'arn:aws:rds:eu-west-1:123456789012:cluster:karaoke',
    DB_SECRET_ARN: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:karaoke',
    DB_NAME: 'karaoke',
    DATA_API_ENDPOINT: unused,
  };
}

/** One bundle's cold start as a fresh Node process sees it. */
export interface InitTiming {
  name: string;
  bytes: number;
  /** Import of the bundle, which runs its wiring (config, clients), in ms, one per run. */
  runs: number[];
  /** Why the bundle could not be imported, if it could not. */
  error?: string;
}

/**
 * Runs in the child: imports the bundle (its module scope is the function's cold-start wiring) and
 * prints how long that took. It exits at once, since a wired client (Redis, say) keeps the process up.
 */
const CHILD = `
const started = performance.now();
try {
  await import(process.env.BENCH_INIT_BUNDLE);
  console.log(JSON.stringify({ ms: performance.now() - started }));
} catch (error) {
  console.log(JSON.stringify({ error: String(error?.message ?? error).split('\\n')[0] }));
}
process.exit(0);
`;

/** The bundles of a build directory: `<dist>/<function>/<file>.mjs`, one per function. */
export function builtBundles(distDir: string): Array<{ name: string; file: string; bytes: number }> {
  if (!existsSync(distDir)) throw new Error(`${distDir} does not exist: run npm run build first`);
  return readdirSync(distDir, { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .flatMap((entry) => {
      const dir = path.join(distDir, entry.name);
      const bundle = readdirSync(dir).find((file) => file.endsWith('.mjs'));
      if (!bundle) return [];
      const file = path.join(dir, bundle);
      return [{ name: entry.name, file, bytes: statSync(file).size }];
    })
    .sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * Cold-start init of every bundle in `distDir`: for each, `runs` fresh `node` processes import it
 * with `env` (what the function gets on AWS), bundles taking turns so the machine's drift is shared.
 */
export async function measureInit(
  distDir: string,
  env: Record<string, string | undefined>,
  runs: number,
): Promise<InitTiming[]> {
  const bundles = builtBundles(distDir);
  const timings = new Map<string, InitTiming>(
    bundles.map((bundle) => [bundle.name, { name: bundle.name, bytes: bundle.bytes, runs: [] }]),
  );
  for (let round = 0; round < runs; round++) {
    for (const bundle of bundles) {
      const timing = timings.get(bundle.name) as InitTiming;
      if (timing.error) continue;
      const { stdout } = await run(process.execPath, ['--input-type=module', '-e', CHILD], {
        env: { ...env, BENCH_INIT_BUNDLE: pathToFileURL(bundle.file).href },
        timeout: 30_000,
      });
      const result = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}') as { ms?: number; error?: string };
      if (result.error !== undefined) timing.error = result.error;
      else if (result.ms !== undefined) timing.runs.push(result.ms);
    }
  }
  return [...timings.values()];
}
