import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '#test/support/stack';

/** Where a running `npm start` says how to reach it, for local helper commands. */
export const STACK_FILE = join(REPO_ROOT, '.local', 'data', 'stack.json');

export interface StackFile {
  url: string;
  /** The services' internal listener (loopback only; calls need an actor token). */
  internalUrl: string;
  pid: number;
  /** The environment the local deployables run with, for tools that talk to the stack's parts. */
  env: Record<string, string>;
}

export function writeStackFile(content: StackFile): void {
  writeFileSync(STACK_FILE, `${JSON.stringify(content, null, 2)}\n`);
}

/** The running local stack, or a clear error saying how to start one. */
export function runningLocalStack(): StackFile {
  if (existsSync(STACK_FILE)) {
    const content = JSON.parse(readFileSync(STACK_FILE, 'utf8')) as StackFile;
    if (isAlive(content.pid)) return content;
  }
  throw new Error('No local stack is running. Start it with `npm start` in another terminal first.');
}

export const localStackUrl = () => runningLocalStack().url;

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
