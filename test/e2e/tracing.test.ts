import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { rootTraceId, type SegmentDocument } from '#lib/trace';
import { type LocalServer, startLocalServer } from '#scripts/local/server';
import { startLocalSync } from '#scripts/local/sync';
import { issueLocalAccessToken } from '#scripts/token';
import { freePort } from '../support/child.ts';
import { startXrayCollector, type XrayCollector } from '../support/xray-daemon.ts';
import { flatten, type TraceNode, traceTree } from '../support/xray-traces.ts';

const segmentsOf = (documents: SegmentDocument[]) => flatten(traceTree(documents));
const named = (nodes: TraceNode[], name: string) => nodes.filter((node) => node.name === name);
const hop = (nodes: TraceNode[], name: string) => nodes.find((node) => node.segment && node.name === name);
const hasHop = (name: string) => (documents: SegmentDocument[]) =>
  segmentsOf(documents).some((node) => node.segment && node.name === name);

describe('tracing: one X-Ray trace per request, from the BFF through the services and the change chain', () => {
  let collector: XrayCollector;
  let server: LocalServer;
  let broken: LocalServer;
  let sync: { stop(): Promise<void> };
  let curator: string;

  beforeAll(async () => {
    collector = await startXrayCollector();
    const env = { ...inject('localEnv'), AWS_XRAY_DAEMON_ADDRESS: collector.address, XRAY_SAMPLE_RATE: '1' };
    server = await startLocalServer(env, await freePort());
    // The same functions, with an Elasticsearch that refuses every connection.
    broken = await startLocalServer(
      { ...env, ELASTICSEARCH_URL: `http://127.0.0.1:${await freePort()}` },
      await freePort(),
    );
    sync = await startLocalSync({ env });
    curator = await issueLocalAccessToken(server.oidcIssuer, 'curator');
  });

  afterAll(async () => {
    await sync?.stop();
    await Promise.all([server?.close(), broken?.close()]);
    await collector?.close();
  });

  const api = (base: LocalServer, path: string, init: RequestInit = {}) =>
    fetch(`${base.url}/api${path}`, {
      ...init,
      headers: {
        'content-type': 'application/json',
        authorization: `Bearer ${curator}`,
        ...(init.headers as Record<string, string> | undefined),
      },
    });
  const traceIdOf = (response: Response) => {
    const traceId = rootTraceId(response.headers.get('x-amzn-trace-id'));
    expect(traceId).toMatch(/^1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    return traceId as string;
  };

  it('a search is one trace: BFF segment, its Redis and catalog calls, the catalog segment under that call, its Elasticsearch query', async () => {
    const response = await api(server, `/songs/search?q=${encodeURIComponent(`trace probe ${Date.now()}`)}`);
    expect(response.status).toBe(200);
    const traceId = traceIdOf(response);
    const documents = await collector.waitFor(
      traceId,
      (docs) => hasHop('catalog')(docs) && hasHop('bff')(docs),
    );
    expect(documents.every((document) => document.trace_id === traceId)).toBe(true);
    const nodes = segmentsOf(documents);
    const roots = traceTree(documents);
    expect(roots.map((root) => root.name)).toEqual(['bff']);
    const bff = hop(nodes, 'bff') as TraceNode;
    expect(bff.status).toBe(200);
    const call = bff.children.find((child) => child.name === 'catalog') as TraceNode;
    expect(call.status).toBe(200);
    expect(call.detail).toContain('/internal/catalog/');
    expect(bff.children.some((child) => child.name === 'Redis')).toBe(true);
    // The callee's segment hangs under the caller's subsegment for the call.
    const catalog = hop(nodes, 'catalog') as TraceNode;
    expect(call.children).toContain(catalog);
    const query = catalog.children.find((child) => child.name === 'Elasticsearch') as TraceNode;
    expect(query.detail).toMatch(/^POST \/songs.*\/_search/);
    expect(query.status).toBe(200);
    for (const node of nodes) {
      expect(node.end).toBeGreaterThanOrEqual(node.start);
      expect(node.fault || node.error).toBe(false);
    }
  });

  it('a health check traces each probe: PostgreSQL and the SQS calls', async () => {
    const response = await api(server, '/health');
    const traceId = traceIdOf(response);
    const documents = await collector.waitFor(traceId, hasHop('bff'));
    const bff = hop(segmentsOf(documents), 'bff') as TraceNode;
    expect(named(bff.children, 'PostgreSQL').length).toBeGreaterThan(0);
    const sqs = named(bff.children, 'SQS');
    expect(sqs.length).toBeGreaterThan(0);
    expect(sqs[0]?.detail).toBe('GetQueueAttributes');
    expect(sqs[0]?.status).toBe(200);
  });

  it('a failing dependency is marked: the search the catalog could not run is a fault all the way up', async () => {
    // Anonymous: search is open to anyone, and the token was issued by the other server's provider.
    const response = await fetch(
      `${broken.url}/api/songs/search?q=${encodeURIComponent(`fault ${Date.now()}`)}`,
    );
    expect(response.status).toBeGreaterThanOrEqual(500);
    const traceId = traceIdOf(response);
    const documents = await collector.waitFor(
      traceId,
      (docs) => hasHop('catalog')(docs) && hasHop('bff')(docs),
    );
    const nodes = segmentsOf(documents);
    const catalog = hop(nodes, 'catalog') as TraceNode;
    expect(catalog.fault).toBe(true);
    expect(named(catalog.children, 'Elasticsearch').every((query) => query.fault)).toBe(true);
    expect(named(catalog.children, 'Elasticsearch').length).toBeGreaterThan(0);
    const bff = hop(nodes, 'bff') as TraceNode;
    expect(bff.fault).toBe(true);
    expect(named(bff.children, 'catalog')[0]?.fault).toBe(true);
  });

  it('a song edit is one trace from the BFF to the catalog write, the change-publisher and the search indexer', async () => {
    const created = await api(server, '/songs', {
      method: 'POST',
      body: JSON.stringify({
        title: `Traced ${Date.now()}`,
        artist: 'The Spans',
        genre: 'pop',
        durationMs: 180_000,
      }),
    });
    expect(created.status).toBe(201);
    const song = (await created.json()) as { id: string };
    // Other test files run change chains on the same database and queues: one of their publishers
    // may take this edit's outbox row first (untraced). A fresh edit is a fresh chance.
    let documents: SegmentDocument[] = [];
    for (let attempt = 1; attempt <= 4; attempt++) {
      const edited = await api(server, `/songs/${song.id}`, {
        method: 'PATCH',
        body: JSON.stringify({ title: `Traced edit ${attempt} ${Date.now()}` }),
      });
      expect(edited.status).toBe(200);
      const traceId = traceIdOf(edited);
      documents = await collector.waitFor(traceId, hasHop('search-indexer'), 15_000).catch(() => []);
      if (documents.length > 0) break;
    }
    const nodes = segmentsOf(documents);
    expect(traceTree(documents).map((root) => root.name)).toEqual(['bff']);
    const catalog = hop(nodes, 'catalog') as TraceNode;
    expect(catalog.status).toBe(200);
    expect(named(catalog.children, 'PostgreSQL').some((query) => /update/i.test(query.detail ?? ''))).toBe(
      true,
    );
    const publisher = hop(nodes, 'change-publisher') as TraceNode;
    expect(catalog.children).toContain(publisher);
    expect(named(publisher.children, 'SNS')[0]?.detail).toBe('PublishBatch');
    const indexer = hop(nodes, 'search-indexer') as TraceNode;
    expect(publisher.children).toContain(indexer);
    expect(named(indexer.children, 'Elasticsearch').length).toBeGreaterThan(0);
  });
});
