import { createSocket } from 'node:dgram';
import type { SegmentDocument } from '#lib/trace';

/** Where the local stand-in keeps segments in Elasticsearch (`npm run trace` reads them there). */
export const TRACE_INDEX = 'xray-segments';

export interface XrayCollector {
  /** `127.0.0.1:<port>`: the value for AWS_XRAY_DAEMON_ADDRESS. */
  address: string;
  /** Every document received so far, in arrival order (the most recent 10,000). */
  documents(): SegmentDocument[];
  /** Resolves once `done` holds for the documents of `traceId`, or rejects after `timeoutMs`. */
  waitFor(
    traceId: string,
    done: (documents: SegmentDocument[]) => boolean,
    timeoutMs?: number,
  ): Promise<SegmentDocument[]>;
  /** Writes what is still buffered to Elasticsearch. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export interface XrayCollectorOptions {
  /** Keep the segments in this Elasticsearch too, in {@link TRACE_INDEX}. */
  elasticsearchUrl?: string;
  port?: number;
}

const HEADER_END = '\n';
const KEPT = 10_000;

/**
 * The X-Ray daemon's local stand-in: takes the daemon's UDP protocol (`{"format":"json","version":1}`,
 * a newline, one segment document) on 127.0.0.1 and keeps each document in memory and, given an
 * Elasticsearch, in the `xray-segments` index, one document per datagram, looked up by `trace_id`.
 */
export async function startXrayCollector(options: XrayCollectorOptions = {}): Promise<XrayCollector> {
  const socket = createSocket('udp4');
  const received: SegmentDocument[] = [];
  let pending: SegmentDocument[] = [];
  const waiters = new Set<() => void>();
  socket.on('message', (datagram) => {
    const text = datagram.toString('utf8');
    const newline = text.indexOf(HEADER_END);
    if (newline < 0) return;
    let document: SegmentDocument;
    try {
      document = JSON.parse(text.slice(newline + 1)) as SegmentDocument;
    } catch {
      return;
    }
    received.push(document);
    if (received.length > KEPT) received.splice(0, received.length - KEPT);
    if (options.elasticsearchUrl) pending.push(document);
    for (const wake of waiters) wake();
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  const esUrl = options.elasticsearchUrl?.replace(/\/$/, '');
  if (esUrl) await ensureTraceIndex(esUrl);

  let flushing: Promise<void> = Promise.resolve();
  const flush = () => {
    flushing = flushing.then(async () => {
      if (!esUrl || pending.length === 0) return;
      const batch = pending;
      pending = [];
      const lines = batch.flatMap((document) => [
        JSON.stringify({ index: { _index: TRACE_INDEX } }),
        JSON.stringify(indexed(document)),
      ]);
      await fetch(`${esUrl}/_bulk?refresh=true`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-ndjson' },
        body: `${lines.join('\n')}\n`,
      }).catch(() => {});
    });
    return flushing;
  };
  const flusher = setInterval(() => void flush(), 500);
  flusher.unref();

  const ofTrace = (traceId: string) => received.filter((document) => traceIdOf(document) === traceId);
  return {
    address: `127.0.0.1:${socket.address().port}`,
    documents: () => [...received],
    waitFor(traceId, done, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const documents = ofTrace(traceId);
          if (!done(documents)) return;
          waiters.delete(check);
          clearTimeout(timer);
          resolve(documents);
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`trace ${traceId}: still incomplete after ${timeoutMs} ms`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
    flush,
    async close() {
      clearInterval(flusher);
      await flush();
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    },
  };
}

const traceIdOf = (document: SegmentDocument) => document.trace_id;

/** What is indexed: the fields to search on, and the document as received (not indexed). */
function indexed(document: SegmentDocument) {
  return {
    trace_id: document.trace_id,
    id: document.id,
    parent_id: document.parent_id,
    name: document.name,
    start_time: document.start_time,
    '@timestamp': new Date(document.start_time * 1000).toISOString(),
    document,
  };
}

async function ensureTraceIndex(esUrl: string): Promise<void> {
  const exists = await fetch(`${esUrl}/${TRACE_INDEX}`, { method: 'HEAD' });
  if (exists.ok) return;
  const created = await fetch(`${esUrl}/${TRACE_INDEX}`, {
    method: 'PUT',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      settings: { number_of_shards: 1, number_of_replicas: 0 },
      mappings: {
        dynamic: false,
        properties: {
          trace_id: { type: 'keyword' },
          id: { type: 'keyword' },
          parent_id: { type: 'keyword' },
          name: { type: 'keyword' },
          start_time: { type: 'double' },
          '@timestamp': { type: 'date' },
          document: { type: 'object', enabled: false },
        },
      },
    }),
  });
  // Another collector may have created it in the meantime.
  if (!created.ok && created.status !== 400) {
    throw new Error(`could not create ${TRACE_INDEX}: ${created.status} ${await created.text()}`);
  }
}

/** The documents of one trace kept in Elasticsearch by a collector. */
export async function readTrace(elasticsearchUrl: string, traceId: string): Promise<SegmentDocument[]> {
  const response = await fetch(`${elasticsearchUrl.replace(/\/$/, '')}/${TRACE_INDEX}/_search`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      size: 10_000,
      query: { term: { trace_id: traceId } },
      sort: [{ start_time: 'asc' }],
    }),
  });
  if (response.status === 404) return [];
  if (!response.ok) throw new Error(`trace search failed: ${response.status} ${await response.text()}`);
  const body = (await response.json()) as {
    hits: { hits: Array<{ _source: { document: SegmentDocument } }> };
  };
  return body.hits.hits.map((hit) => hit._source.document);
}
