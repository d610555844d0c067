import { createSocket, type Socket } from 'node:dgram';
import type { SegmentDocument } from './trace-document.ts';

/** Sends documents to the daemon over UDP: `{"format":"json","version":1}\n<document>` each. */
export function daemonEmitter(address: string): (document: SegmentDocument) => void {
  const { host, port } = parseDaemonAddress(address);
  let socket: Socket | undefined;
  return (document) => {
    if (!socket) {
      socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
      socket.on('error', () => {});
      // A tracer must never keep a process (a script, a test worker) alive.
      socket.unref();
    }
    socket.send(`${DAEMON_PREAMBLE}${JSON.stringify(document)}`, port, host);
  };
}

export const DAEMON_PREAMBLE = '{"format":"json","version":1}\n';

/** `host:port`, or the SDK's `udp:host:port tcp:host:port` form. */
export function parseDaemonAddress(address: string): { host: string; port: number } {
  const udp = address.split(/\s+/).find((part) => part.startsWith('udp:')) ?? address;
  const hostPort = udp.replace(/^udp:/, '');
  const at = hostPort.lastIndexOf(':');
  const port = Number(hostPort.slice(at + 1));
  if (at <= 0 || !Number.isInteger(port) || port <= 0 || port > 65535) {
    throw new Error(`AWS_XRAY_DAEMON_ADDRESS must be host:port, got ${address}`);
  }
  return { host: hostPort.slice(0, at), port };
}
