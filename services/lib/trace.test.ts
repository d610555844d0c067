import { createSocket } from 'node:dgram';
import { describe, expect, it } from 'vitest';
import {
  DAEMON_PREAMBLE,
  newTraceId,
  rootTraceId,
  type SegmentDocument,
  samplingRule,
  segmentTracer,
  traceIdFor,
  xrayTracer,
} from './trace.ts';

describe('trace ids', () => {
  it('creates ids in the X-Ray format with the current epoch second', () => {
    const id = newTraceId(new Date('2026-01-01T00:00:00Z'));
    expect(id).toMatch(/^1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    expect(Number.parseInt(id.slice(2, 10), 16)).toBe(Date.parse('2026-01-01T00:00:00Z') / 1000);
    expect(newTraceId()).not.toBe(newTraceId());
  });

  it('reads the Root of an X-Amzn-Trace-Id header', () => {
    expect(rootTraceId('Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1')).toBe(
      '1-5759e988-bd862e3fe1be46a994272793',
    );
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['garbage', 'Root=<script>'],
    ['wrong version', 'Root=2-5759e988-bd862e3fe1be46a994272793'],
    ['oversized', `Root=1-5759e988-bd862e3fe1be46a994272793;${'x'.repeat(300)}`],
  ])('ignores a %s header and starts a new trace', (_, header) => {
    expect(rootTraceId(header)).toBeUndefined();
    expect(traceIdFor(header)).toMatch(/^1-[0-9a-f]{8}-[0-9a-f]{24}$/);
  });
});

describe('xrayTracer', () => {
  it('runs work outside Lambda without a segment and passes results and errors through', async () => {
    const tracer = xrayTracer();
    await expect(tracer.span('work', async () => 42)).resolves.toBe(42);
    await expect(
      tracer.span('failing work', async () => {
        throw new Error('failed');
      }),
    ).rejects.toThrow('failed');
  });
});

describe('xrayTracer with a daemon address', () => {
  it('sends each hop of a turn as a datagram of its own, in the daemon protocol, after the hop ends', async () => {
    const daemon = createSocket('udp4');
    const received: string[] = [];
    daemon.on('message', (message) => received.push(message.toString()));
    await new Promise<void>((resolve) => daemon.bind(0, '127.0.0.1', resolve));
    try {
      const tracer = xrayTracer({
        AWS_XRAY_DAEMON_ADDRESS: `127.0.0.1:${daemon.address().port}`,
        XRAY_SAMPLE_RATE: '1',
      });
      const ids = [newTraceId(), newTraceId(), newTraceId()];
      await Promise.all(
        ids.map((traceId) =>
          tracer.hop({ name: 'bff', traceId, header: undefined }, () => tracer.span('Redis', async () => {})),
        ),
      );
      for (let wait = 0; received.length < ids.length && wait < 100; wait++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      expect(received.every((datagram) => datagram.startsWith(DAEMON_PREAMBLE))).toBe(true);
      const documents = received.map((datagram) => JSON.parse(datagram.slice(DAEMON_PREAMBLE.length)));
      expect(documents.map((document) => document.trace_id).sort()).toEqual([...ids].sort());
      for (const document of documents) {
        expect(document).toMatchObject({ name: 'bff', subsegments: [{ name: 'Redis' }] });
        expect(document.end_time).toBeGreaterThanOrEqual(document.start_time);
      }
    } finally {
      daemon.close();
    }
  });
});

describe('segmentTracer', () => {
  const collect = (sample = true) => {
    const sent: SegmentDocument[] = [];
    const tracer = segmentTracer({
      emit: (document) => sent.push(document),
      sample: () => sample,
      onLambda: false,
    });
    return { sent, tracer };
  };
  const traceId = '1-5759e988-bd862e3fe1be46a994272793';

  it('sends one segment per hop, under the caller’s subsegment, with its subsegments, status and flags', async () => {
    const { sent, tracer } = collect();
    let outgoing = '';
    await tracer.hop(
      {
        name: 'bff',
        traceId,
        header: `Root=${traceId};Parent=53995c3f42cd8ad8;Sampled=1`,
        http: () => ({ method: 'GET', url: '/x' }),
      },
      async (segment) => {
        await tracer.span('catalog', async (span) => {
          outgoing = tracer.headerFor(traceId);
          span.status(404);
        });
        await tracer
          .span('Redis', async () => {
            throw new Error('down');
          })
          .catch(() => {});
        segment.status(200);
      },
    );
    expect(sent).toHaveLength(1);
    const [segment] = sent as [SegmentDocument];
    expect(segment).toMatchObject({
      name: 'bff',
      trace_id: traceId,
      parent_id: '53995c3f42cd8ad8',
      http: { response: { status: 200 } },
    });
    const [call, redis] = segment.subsegments as [SegmentDocument, SegmentDocument];
    expect(call).toMatchObject({ name: 'catalog', error: true, http: { response: { status: 404 } } });
    expect(call.fault).toBeUndefined();
    expect(outgoing).toBe(`Root=${traceId};Parent=${call.id};Sampled=1`);
    expect(redis).toMatchObject({ name: 'Redis', fault: true, cause: { exceptions: [{ message: 'down' }] } });
    expect(segment.end_time).toBeGreaterThanOrEqual(segment.start_time);
  });

  it('honours the caller’s decision not to sample and passes it on', async () => {
    const { sent, tracer } = collect(true);
    let outgoing = '';
    await tracer.hop({ name: 'catalog', traceId, header: `Root=${traceId};Sampled=0` }, async () => {
      outgoing = tracer.headerFor(traceId);
    });
    expect(sent).toEqual([]);
    expect(outgoing).toBe(`Root=${traceId};Sampled=0`);
  });

  it('continues each message’s trace in a batch, recording shared work in every one', async () => {
    const { sent, tracer } = collect(false);
    const other = '1-5759e988-000000000000000000000001';
    await tracer.continueTraces(
      'search-indexer',
      [
        `Root=${traceId};Parent=53995c3f42cd8ad8;Sampled=1`,
        `Root=${other};Parent=0000000000000001;Sampled=1`,
        undefined,
      ],
      () => tracer.span('Elasticsearch', async () => {}),
    );
    expect(
      sent.map((document) => [document.trace_id, document.parent_id, document.subsegments?.[0]?.name]),
    ).toEqual([
      [traceId, '53995c3f42cd8ad8', 'Elasticsearch'],
      [other, '0000000000000001', 'Elasticsearch'],
    ]);
  });

  it('samples the first request of each second, then the configured share', () => {
    let now = 1_000;
    const rule = samplingRule(0, () => now);
    expect([rule(), rule(), rule()]).toEqual([true, false, false]);
    now = 2_000;
    expect(rule()).toBe(true);
  });
});
