import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort, runToCompletion, StackPartError, startChild } from './child.ts';
import type { PartOptions, StackPart } from './part.ts';

const REQUIREMENTS = join(dirname(fileURLToPath(import.meta.url)), 'moto', 'requirements.txt');
const PYTHON_HINT = 'Install Python 3 with venv support: `apt-get install -y python3 python3-venv`.';

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
  const venv = await ensureVirtualenv(options);
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

async function ensureVirtualenv(options: PartOptions): Promise<string> {
  const venv = join(options.cacheDir, 'moto-venv');
  const stamp = join(venv, '.requirements-sha256');
  const wanted = createHash('sha256').update(readFileSync(REQUIREMENTS)).digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) return venv;
  const logFile = join(options.runDir, 'moto-install.log');
  options.progress('moto: installing moto server into a project virtualenv (first run only)');
  await runToCompletion({
    name: 'python3 -m venv',
    command: 'python3',
    args: ['-m', 'venv', '--clear', venv],
    logFile,
    installHint: PYTHON_HINT,
  });
  await runToCompletion({
    name: 'pip install moto',
    command: join(venv, 'bin', 'pip'),
    args: ['install', '--quiet', '--disable-pip-version-check', '-r', REQUIREMENTS],
    logFile,
    installHint: PYTHON_HINT,
  });
  writeFileSync(stamp, wanted);
  return venv;
}

async function answers(url: string): Promise<boolean> {
  try {
    const response = await fetch(new URL('/moto-api/', url), { signal: AbortSignal.timeout(1000) });
    return response.status < 500;
  } catch {
    return false;
  }
}
