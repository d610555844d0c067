import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, StackPartError, startChild } from './child.ts';
import type { PartOptions, StackPart } from './part.ts';
import { ensureVirtualenv } from './python-venv.ts';

const REQUIREMENTS = join(dirname(fileURLToPath(import.meta.url)), 'moto', 'requirements.txt');

/**
 * moto server (SNS, SQS, S3 and more) from a project-local virtualenv, installed from the pinned
 * requirements on first use and reinstalled only when they change.
 */
export async function startMoto(options: PartOptions): Promise<StackPart> {
  const started = Date.now();
  const override = process.env.AWS_ENDPOINT_URL;
  if (override) {
    if (!(await answers(override))) {
      throw new StackPartError(`moto: AWS_ENDPOINT_URL is set but ${override} does not answer.`);
    }
    return {
      name: 'moto',
      url: override,
      external: true,
      startedInMs: Date.now() - started,
      stop: async () => {},
    };
  }
  const venv = await ensureVirtualenv(options, 'moto-venv', REQUIREMENTS);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const logFile = join(options.runDir, 'moto.log');
  const child = await startChild({
    name: 'moto',
    command: join(venv, 'bin', 'moto_server'),
    args: ['-H', '127.0.0.1', '-p', String(port)],
    logFile,
    installHint: `Delete ${venv} and start again to reinstall moto.`,
    isReady: () => answers(url),
    readyTimeoutMs: 60_000,
  });
  return { name: 'moto', url, external: false, startedInMs: Date.now() - started, logFile, stop: child.stop };
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(new URL('/moto-api/', url), { signal: AbortSignal.timeout(1000) });
    return response.status < 500;
  } catch {
    return false;
  }
}
