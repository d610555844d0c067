import { randomBytes, randomUUID } from 'node:crypto';
import { CreateBucketCommand, DeleteBucketCommand, S3Client } from '@aws-sdk/client-s3';
import type { SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { awsClientConfig } from '#lib/aws';
import { type SegmentDocument, segmentTracer } from '#lib/trace';
import { LOCAL_REGION } from '#scripts/local/bootstrap';
import { usageEvent } from '#services/metrics/contract';
import { wireUsageArchiver } from '#services/metrics/usage-archiver/wiring';
import { wireUsageCompactor } from '#services/metrics/usage-compactor/wiring';

const bucket = `trace-aws-${randomBytes(4).toString('hex')}`;
const settings = () => ({ AWS_REGION: LOCAL_REGION, AWS_ENDPOINT_URL: inject('awsEndpointUrl') });
const config = () => ({ ...settings(), STAGE: 'test', LOG_LEVEL: 'SILENT' as const, LAKE_BUCKET: bucket });
let s3: S3Client;

beforeAll(async () => {
  s3 = new S3Client({ ...awsClientConfig(settings()), forcePathStyle: true });
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
});

afterAll(async () => {
  await s3.send(new DeleteBucketCommand({ Bucket: bucket })).catch(() => {});
  s3.destroy();
});

/** A tracer that samples everything and keeps what it would send to the daemon. */
function collectingTracer() {
  const sent: SegmentDocument[] = [];
  const tracer = segmentTracer({
    emit: (document) => sent.push(document),
    sample: () => true,
    onLambda: false,
  });
  return { sent, tracer };
}

const awsCalls = (segment: SegmentDocument | undefined) =>
  (segment?.subsegments ?? []).map((call) => ({
    name: call.name,
    namespace: call.namespace,
    operation: call.aws?.operation,
    status: call.http?.response?.status,
  }));

describe('S3 calls of the functions that make them are subsegments of their trace', () => {
  it("the usage-archiver's PutObject hangs in the trace its message carried", async () => {
    const { sent, tracer } = collectingTracer();
    const archiver = wireUsageArchiver(config(), tracer);
    const traceId = `1-${Math.floor(Date.now() / 1000).toString(16)}-${randomBytes(12).toString('hex')}`;
    const event = usageEvent({
      type: 'search.performed',
      occurredAt: new Date().toISOString(),
      actor: { kind: 'anonymous', id: null },
      subject: { kind: 'search', id: 'traced' },
      props: { query: 'traced', filters: {}, resultCount: 1, latencyMs: 3, cached: false },
    });
    const record = {
      messageId: randomUUID(),
      body: JSON.stringify(event),
      attributes: { AWSTraceHeader: `Root=${traceId};Parent=53995c3f42cd8ad8;Sampled=1` },
      messageAttributes: {},
    };
    try {
      const result = await archiver.handle({ Records: [record] } as unknown as SQSEvent);
      expect(result).toMatchObject({ batchItemFailures: [] });
    } finally {
      await archiver.close();
    }
    const segment = sent.find((document) => document.name === 'usage-archiver');
    expect(segment).toMatchObject({ trace_id: traceId, parent_id: '53995c3f42cd8ad8' });
    expect(awsCalls(segment)).toContainEqual({
      name: 'S3',
      namespace: 'aws',
      operation: 'PutObject',
      status: 200,
    });
  });

  it("the usage-compactor's scheduled run is a trace of its own, with its S3 listing", async () => {
    const { sent, tracer } = collectingTracer();
    const compactor = wireUsageCompactor(config(), tracer);
    try {
      await compactor.handle();
    } finally {
      await compactor.close();
    }
    const segment = sent.find((document) => document.name === 'usage-compactor');
    expect(segment?.trace_id).toMatch(/^1-[0-9a-f]{8}-[0-9a-f]{24}$/);
    const calls = awsCalls(segment);
    expect(calls.length).toBeGreaterThan(0);
    expect(calls.every((call) => call.name === 'S3' && call.status === 200)).toBe(true);
    expect(calls.map((call) => call.operation)).toContain('ListObjectsV2');
  });

  it('an S3 call that fails is a fault or an error of its subsegment, and the trace is still sent', async () => {
    const { sent, tracer } = collectingTracer();
    const compactor = wireUsageCompactor({ ...config(), LAKE_BUCKET: `${bucket}-missing` }, tracer);
    try {
      await expect(compactor.handle()).rejects.toThrow();
    } finally {
      await compactor.close();
    }
    const segment = sent.find((document) => document.name === 'usage-compactor');
    expect(segment?.fault).toBe(true);
    const [call] = segment?.subsegments ?? [];
    expect(call).toMatchObject({ name: 'S3', error: true, http: { response: { status: 404 } } });
  });
});
