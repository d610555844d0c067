import { chownSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { requireCommand } from './child.ts';

// PostgreSQL and Elasticsearch refuse to run as root; CI and many dev containers are root.
// `nobody` exists on every Debian system, so no user has to be created on the machine.
const NOBODY_UID = 65534;
const NOGROUP_GID = 65534;

export const runningAsRoot = () => process.getuid?.() === 0;

/** The command line that runs `command` as `nobody` when we are root, unchanged otherwise. */
export function asUnprivileged(command: string, args: string[]): { command: string; args: string[] } {
  if (!runningAsRoot()) return { command, args };
  const setpriv = requireCommand('setpriv', 'Install it with `apt-get install -y util-linux`.');
  return {
    command: setpriv,
    args: [`--reuid=${NOBODY_UID}`, `--regid=${NOGROUP_GID}`, '--clear-groups', command, ...args],
  };
}

/** Hands folders and files (recursively) to `nobody` when we are root, so the server can write them. */
export function ownForUnprivileged(...paths: string[]): void {
  if (!runningAsRoot()) return;
  for (const path of paths) chownTree(path);
}

function chownTree(path: string): void {
  chownSync(path, NOBODY_UID, NOGROUP_GID);
  if (statSync(path).isDirectory()) {
    for (const entry of readdirSync(path)) chownTree(join(path, entry));
  }
}
