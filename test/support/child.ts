import { type ChildProcess, spawn } from 'node:child_process';
import { accessSync, closeSync, constants, openSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { constants as osConstants } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';

/** A prerequisite (a binary, a toolchain) is missing; the message says how to install it. */
export class PrerequisiteMissingError extends Error {}

/** A stack part did not start, or crashed; the message names the part and shows its log tail. */
export class StackPartError extends Error {}

export interface ManagedChild {
  readonly name: string;
  readonly pid: number;
  readonly logFile: string;
  /** Resolves with the exit code (or null after a signal) when the process ends. */
  readonly exited: Promise<number | null>;
  stop(): Promise<void>;
}

export interface StartChildOptions {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  /** Resolves true once the part answers; called repeatedly until then. */
  isReady: () => Promise<boolean>;
  installHint: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  readyTimeoutMs?: number;
  stopTimeoutMs?: number;
}

const running = new Set<ChildProcess>();

// A hard exit of the parent (uncaught error, process.exit) must not leave servers behind.
process.once('exit', () => {
  for (const child of running) killGroup(child, 'SIGKILL');
});

// Nor may a signal that would end the process without an 'exit' event. A program that handles
// the signal itself (npm start stops everything gracefully) is left to do so.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    if (process.listenerCount(signal) > 1) return;
    process.exit(128 + (osConstants.signals[signal] ?? 0));
  });
}

export function findOnPath(command: string): string | undefined {
  if (isAbsolute(command)) return canExecute(command) ? command : undefined;
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, command);
    if (canExecute(candidate)) return candidate;
  }
  return undefined;
}

function canExecute(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

export function requireCommand(command: string, installHint: string): string {
  const found = findOnPath(command);
  if (!found) throw new PrerequisiteMissingError(`'${command}' was not found on PATH. ${installHint}`);
  return found;
}

export function logTail(logFile: string, lines = 30): string {
  try {
    return readFileSync(logFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log written)';
  }
}

/** Asks the kernel for a free loopback port. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => {
        if (address && typeof address === 'object') resolve(address.port);
        else reject(new Error('could not read the port of a probe socket'));
      });
    });
  });
}

/** Fails with a clear message when something already listens on the port. */
export async function assertPortFree(port: number, owner: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = createServer();
    server.once('error', () =>
      reject(
        new StackPartError(
          `${owner}: port ${port} is already in use; stop what uses it or pick another port.`,
        ),
      ),
    );
    server.listen(port, '127.0.0.1', () => server.close(() => resolve()));
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // The group is already gone.
  }
}

/**
 * Starts a server process in its own process group with its output in `logFile`, and waits until
 * `isReady` answers. Stopping signals the whole group, so helpers the server spawned go with it.
 */
export async function startChild(options: StartChildOptions): Promise<ManagedChild> {
  const { name, logFile, readyTimeoutMs = 120_000, stopTimeoutMs = 20_000 } = options;
  const command = requireCommand(options.command, options.installHint);
  const logFd = openSync(logFile, 'a');
  const child = spawn(command, options.args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    detached: true,
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  running.add(child);
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      running.delete(child);
      resolve(code);
    });
    child.once('error', () => {
      running.delete(child);
      resolve(-1);
    });
  });

  const stop = async () => {
    killGroup(child, 'SIGTERM');
    const timer = setTimeout(() => killGroup(child, 'SIGKILL'), stopTimeoutMs);
    await exited;
    clearTimeout(timer);
    // The leader may exit before the rest of its group.
    killGroup(child, 'SIGKILL');
  };

  const deadline = Date.now() + readyTimeoutMs;
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });
  while (true) {
    if (exitCode !== undefined) {
      throw new StackPartError(
        `${name} exited (code ${exitCode}) before it was ready. Last lines of ${logFile}:\n${logTail(logFile)}`,
      );
    }
    if (await options.isReady().catch(() => false)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new StackPartError(
        `${name} was not ready after ${readyTimeoutMs / 1000}s. Last lines of ${logFile}:\n${logTail(logFile)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  if (child.pid === undefined) throw new StackPartError(`${name} did not start`);
  return { name, pid: child.pid, logFile, exited, stop };
}

/** Runs a command to completion with its output in `logFile`; a non-zero exit is reported by name. */
export async function runToCompletion(options: {
  name: string;
  command: string;
  args: string[];
  logFile: string;
  installHint: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}): Promise<void> {
  const command = requireCommand(options.command, options.installHint);
  const logFd = openSync(options.logFile, 'a');
  const child = spawn(command, options.args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  running.add(child);
  const code = await new Promise<number | null>((resolve) => {
    child.once('exit', resolve);
    child.once('error', () => resolve(-1));
  });
  running.delete(child);
  if (code !== 0) {
    throw new StackPartError(
      `${options.name} failed (exit code ${code}). Last lines of ${options.logFile}:\n${logTail(options.logFile)}`,
    );
  }
}
