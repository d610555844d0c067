import { createSocket, type Socket } from 'node:dgram';
import type { SegmentDocument } from './trace-document.ts';

/**
 * Sends documents to the daemon over UDP: `{"format":"json","version":1}\n<document>` each, one
 * datagram per document as the protocol wants. The documents of a turn of the event loop are
 * encoded and sent together once it ends, after the responses of that turn are written; the socket
 * is connected once, so no send looks the daemon's address up again.
 */
export function daemonEmitter(address: string): (document: SegmentDocument) => void {
  const { host, port } = parseDaemonAddress(address);
  let socket: Socket | undefined;
  let connected = false;
  let queued: SegmentDocument[] = [];
  const flush = () => {
    if (!connected) return;
    const documents = queued;
    queued = [];
    for (const document of documents) socket?.send(`${DAEMON_PREAMBLE}${JSON.stringify(document)}`);
  };
  return (document) => {
    if (!socket) {
      socket = createSocket(host.includes(':') ? 'udp6' : 'udp4');
      socket.on('error', () => {});
      socket.connect(port, host, () => {
        connected = true;
        flush();
      });
      // A tracer must never keep a process (a script, a test worker) alive.
      socket.unref();
    }
    // Tracing must not grow without bound while the socket cannot connect: past this, segments are dropped.
    if (queued.length >= MAX_QUEUED) return;
    // Not unref'd: a script's or an invocation's last segments still go out before it ends.
    if (queued.push(document) === 1) setImmediate(flush);
  };
}

const MAX_QUEUED = 10_000;

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
