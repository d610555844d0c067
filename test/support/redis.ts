import { mkdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { freePort, StackPartError, startChild } from './child.ts';
import type { PartOptions, StackPart } from './part.ts';

const INSTALL_HINT = 'Install it with `apt-get install -y redis-server` (Debian/Ubuntu).';

/**
 * `redis-server` from PATH on a free port, without persistence: it holds caches and sessions only.
 * With `port`, a private server on that port whatever REDIS_URL says (fault tests stop and restart
 * one where their clients expect it).
 */
export async function startRedis(options: PartOptions & { port?: number }): Promise<StackPart> {
  const started = Date.now();
  const override = options.port === undefined ? process.env.REDIS_URL : undefined;
  if (override) {
    const { hostname, port } = new URL(override);
    if (!(await answersPing(hostname, Number(port || 6379)))) {
      throw new StackPartError(`redis: REDIS_URL is set but ${override} does not answer PING.`);
    }
    return {
      name: 'redis',
      url: override,
      external: true,
      startedInMs: Date.now() - started,
      stop: async () => {},
    };
  }
  const port = options.port ?? (await freePort());
  const dir = join(options.runDir, 'redis');
  mkdirSync(dir, { recursive: true });
  const logFile = join(options.runDir, 'redis.log');
  const child = await startChild({
    name: 'redis',
    command: 'redis-server',
    args: ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir],
    logFile,
    installHint: INSTALL_HINT,
    isReady: () => answersPing('127.0.0.1', port),
    readyTimeoutMs: 30_000,
  });
  return {
    name: 'redis',
    url: `redis://127.0.0.1:${port}`,
    external: false,
    startedInMs: Date.now() - started,
    logFile,
    stop: child.stop,
  };
}

function answersPing(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: 1000 });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => done(data.toString().startsWith('+PONG')));
    socket.once('error', () => done(false));
    socket.once('timeout', () => done(false));
  });
}
