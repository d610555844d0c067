import { createHash } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runToCompletion } from './child.ts';
import type { PartOptions } from './part.ts';

const PYTHON_HINT = 'Install Python 3 with venv support: `apt-get install -y python3 python3-venv`.';

/**
 * A project-local virtualenv `<cacheDir>/<name>` holding exactly the pinned `requirements`:
 * installed on first use and reinstalled only when the requirements file changes. Returns its path.
 */
export async function ensureVirtualenv(
  options: Pick<PartOptions, 'cacheDir' | 'runDir' | 'progress'>,
  name: string,
  requirements: string,
): Promise<string> {
  const venv = join(options.cacheDir, name);
  const stamp = join(venv, '.requirements-sha256');
  const wanted = createHash('sha256').update(readFileSync(requirements)).digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === wanted) return venv;
  const logFile = join(options.runDir, `${name}-install.log`);
  options.progress(`${name}: installing ${requirements} into a project virtualenv (first run only)`);
  await runToCompletion({
    name: 'python3 -m venv',
    command: 'python3',
    args: ['-m', 'venv', '--clear', venv],
    logFile,
    installHint: PYTHON_HINT,
  });
  await runToCompletion({
    name: `pip install (${name})`,
    command: join(venv, 'bin', 'pip'),
    args: ['install', '--quiet', '--disable-pip-version-check', '-r', requirements],
    logFile,
    installHint: PYTHON_HINT,
  });
  writeFileSync(stamp, wanted);
  return venv;
}
