import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { assertPortFree, PrerequisiteMissingError, StackPartError, startChild } from '../support/child.ts';

const dir = mkdtempSync(join(tmpdir(), 'harness-faults-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A zombie (exited, not yet reaped by an init that may never reap it) counts as gone. */
const alive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return false;
  }
};

describe('the harness reports faults by name instead of hanging', () => {
  it('names the port that is already in use', async () => {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as { port: number };
    await expect(assertPortFree(port, 'PORT')).rejects.toThrow(`PORT: port ${port} is already in use`);
    server.close();
  });

  it('names a missing binary and how to install it', async () => {
    const start = startChild({
      name: 'imaginary',
      command: 'no-such-server-binary',
      args: [],
      logFile: join(dir, 'missing.log'),
      installHint: 'Install it with `apt-get install -y imaginary`.',
      isReady: async () => true,
    });
    await expect(start).rejects.toBeInstanceOf(PrerequisiteMissingError);
    await expect(start).rejects.toThrow(/'no-such-server-binary' was not found on PATH\. Install it with/);
  });

  it('reports a child that crashes during start with its exit code and log tail', async () => {
    const error = await startChild({
      name: 'crashy',
      command: 'sh',
      args: ['-c', 'echo "fatal: config file broken"; exit 3'],
      logFile: join(dir, 'crashy.log'),
      installHint: '',
      isReady: async () => false,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(StackPartError);
    expect((error as Error).message).toMatch(/^crashy exited \(code 3\) before it was ready/);
    expect((error as Error).message).toContain('fatal: config file broken');
  });

  it('gives up on a child that never becomes ready, and stops it', async () => {
    const logFile = join(dir, 'sleepy.log');
    const error = await startChild({
      name: 'sleepy',
      command: 'sh',
      args: ['-c', 'echo $$ > "$0"; exec sleep 60', join(dir, 'sleepy.pid')],
      logFile,
      installHint: '',
      isReady: async () => false,
      readyTimeoutMs: 500,
    }).catch((caught: unknown) => caught);
    expect((error as Error).message).toMatch(/^sleepy was not ready after 0.5s/);
    expect(alive(Number(readFileSync(join(dir, 'sleepy.pid'), 'utf8')))).toBe(false);
  });

  it('stops the whole process group, grandchildren included', async () => {
    const pidFile = join(dir, 'group.pid');
    const child = await startChild({
      name: 'group',
      command: 'sh',
      args: ['-c', 'sleep 60 & echo $! > "$0"; wait', pidFile],
      logFile: join(dir, 'group.log'),
      installHint: '',
      isReady: async () => {
        return existsSync(pidFile) && readFileSync(pidFile, 'utf8').trim().length > 0;
      },
    });
    const grandchild = Number(readFileSync(pidFile, 'utf8'));
    expect(alive(grandchild)).toBe(true);
    await child.stop();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(alive(grandchild)).toBe(false);
  });
});
