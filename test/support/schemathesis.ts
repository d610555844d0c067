import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureVirtualenv } from './python-venv.ts';
import { REPO_ROOT } from './stack.ts';

const REQUIREMENTS = join(dirname(fileURLToPath(import.meta.url)), 'schemathesis', 'requirements.txt');

/** The `schemathesis` command of the project's pinned virtualenv, installed on first use. */
export async function schemathesisCommand(progress: (line: string) => void = () => {}): Promise<string> {
  const runDir = mkdtempSync(join(tmpdir(), 'schemathesis-install-'));
  try {
    const venv = await ensureVirtualenv(
      { cacheDir: join(REPO_ROOT, '.local', 'cache'), runDir, progress },
      'schemathesis-venv',
      REQUIREMENTS,
    );
    return join(venv, 'bin', 'schemathesis');
  } finally {
    rmSync(runDir, { recursive: true, force: true });
  }
}

export interface SchemathesisRun {
  exitCode: number | null;
  /** What schemathesis printed: its summary, and each failure with a curl line to reproduce it. */
  output: string;
}

/**
 * Runs `schemathesis run <args>` to its end in a scratch folder (its example database and reports
 * go nowhere near the work tree), with `config` as its `schemathesis.toml`, and returns its exit
 * code and output.
 */
export async function runSchemathesis(
  command: string,
  config: string,
  args: string[],
): Promise<SchemathesisRun> {
  const cwd = mkdtempSync(join(tmpdir(), 'schemathesis-run-'));
  try {
    const configFile = join(cwd, 'schemathesis.toml');
    writeFileSync(configFile, config);
    const child = spawn(command, ['--config-file', configFile, 'run', ...args], {
      cwd,
      env: { ...process.env, NO_COLOR: '1', COLUMNS: '160' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => chunks.push(chunk));
    const exitCode = await new Promise<number | null>((resolve, reject) => {
      child.once('error', reject);
      child.once('close', resolve);
    });
    return { exitCode, output: Buffer.concat(chunks).toString('utf8') };
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

interface DescribedOperation {
  parameters?: Array<{ in?: string; name?: string }>;
  responses?: Record<string, unknown>;
}

/**
 * What schemathesis is told of this API beyond its description, operation by operation, derived
 * from the description so an operation added later is covered by the same rules:
 *
 * - 422 is what an operation declares when a request its schema allows breaks a rule of the moment
 *   (an expiry already past, a song the catalog lacks, a share with oneself), and 412 what one with
 *   `If-Match` answers a made-up entity-tag: both count as fair answers to schema-valid data.
 * - Operations with an `If-Match` or `If-None-Match` header skip the coverage phase: its generator
 *   cannot draw a header value with double quotes and sends `0` instead, labelled valid, which no entity-tag is. The
 *   fuzzing and stateful phases still send them entity-tags and everything else.
 */
export function schemathesisConfig(description: {
  paths: Record<string, Record<string, DescribedOperation>>;
}): string {
  // 431 refuses a request as surely as a 400 does: the HTTP server's answer to a request line too
  // long (a query over the 16 KB it reads), before the API sees it.
  const refusals = [
    '400',
    '401',
    '403',
    '404',
    '405',
    '406',
    '409',
    '415',
    '422',
    '428',
    '429',
    '431',
    '5xx',
  ];
  // 412 (a made-up entity-tag is well formed, and stale) and 422 (a rule of the moment) are fair
  // answers to schema-valid data; only operations with If-Match declare a 412, and only those with
  // such rules a 422, and an operation answering a status it does not declare still fails.
  const fair = ['2xx', '3xx', '401', '403', '404', '409', '412', '422', '429', '5xx'];
  const sections = [
    `[checks.negative_data_rejection]\nexpected-statuses = ${JSON.stringify(refusals)}\n`,
    `[checks.positive_data_acceptance]\nexpected-statuses = ${JSON.stringify(fair)}\n`,
  ];
  for (const [path, item] of Object.entries(description.paths)) {
    for (const [method, operation] of Object.entries(item)) {
      const select = `[[operations]]\ninclude-path = ${JSON.stringify(path)}\ninclude-method = "${method.toUpperCase()}"\n`;
      const header = (name: string) =>
        (operation.parameters ?? []).some(
          (parameter) => parameter.in === 'header' && parameter.name?.toLowerCase() === name,
        );
      // One table per operation: schemathesis takes the settings of the first table that matches.
      const settings: string[] = [];
      if (header('if-match') || header('if-none-match')) settings.push('phases.coverage.enabled = false\n');
      if (settings.length > 0) sections.push(select + settings.join(''));
    }
  }
  return sections.join('\n');
}
