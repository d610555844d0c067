import { describe, expect, it } from 'vitest';
import { newTraceId, rootTraceId, traceIdFor, xrayTracer } from './trace.ts';

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
