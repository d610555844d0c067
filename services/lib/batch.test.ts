import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import * as z from 'zod';
import { type BatchItem, parseJsonBody, sqsBatchHandler } from './batch.ts';
import { createLogger } from './log.ts';

const log = createLogger({ serviceName: 'test', level: 'SILENT', environment: 'test' });
const Order = z.object({ sku: z.string().min(1), quantity: z.int().positive() });
type Order = z.infer<typeof Order>;

const event = (...bodies: string[]): SQSEvent =>
  ({ Records: bodies.map((body, n) => ({ messageId: `m${n}`, body })) }) as SQSEvent;
const order = (sku: string, quantity = 1) => JSON.stringify({ sku, quantity });
const failures = (response: { batchItemFailures: Array<{ itemIdentifier: string }> }) =>
  response.batchItemFailures.map((failure) => failure.itemIdentifier);

/** A consumer that records each batch it applies, and fails the skus it is told to. */
function recordingConsumer(options: { failSkus?: string[]; down?: boolean } = {}) {
  const applied: Array<Array<BatchItem<Order>>> = [];
  const handle = sqsBatchHandler<Order>(
    {
      parse: (record) => (record.body === 'ignore me' ? null : parseJsonBody(record.body, Order)),
      async apply(items) {
        applied.push([...items]);
        if (options.down) throw new Error('dependency down');
        return items
          .filter((item) => options.failSkus?.includes(item.value.sku))
          .map((item) => item.messageId);
      },
    },
    log,
  );
  return { applied, handle };
}

describe('SQS batch helper', () => {
  it('applies the parsed records of a batch in one call and reports nothing when all succeed', async () => {
    const { applied, handle } = recordingConsumer();
    expect(await handle(event(order('a'), order('b', 2)))).toEqual({ batchItemFailures: [] });
    expect(applied).toEqual([
      [
        { messageId: 'm0', value: { sku: 'a', quantity: 1 } },
        { messageId: 'm1', value: { sku: 'b', quantity: 2 } },
      ],
    ]);
  });

  it('reports malformed records alone, in batch order, and applies the rest', async () => {
    const { applied, handle } = recordingConsumer();
    const response = await handle(event('not json', order('a'), order('', 1), JSON.stringify({ sku: 'x' })));
    expect(failures(response)).toEqual(['m0', 'm2', 'm3']);
    expect(applied.flat().map((item) => item.messageId)).toEqual(['m1']);
  });

  it('acknowledges a record that asks for nothing without applying it', async () => {
    const { applied, handle } = recordingConsumer();
    expect(await handle(event('ignore me'))).toEqual({ batchItemFailures: [] });
    expect(applied).toEqual([]);
  });

  it('reports exactly the records the consumer could not do', async () => {
    const { handle } = recordingConsumer({ failSkus: ['b'] });
    expect(failures(await handle(event(order('a'), order('b'), 'garbage')))).toEqual(['m1', 'm2']);
  });

  it('reports every record of the batch when the consumer could do nothing, so all are delivered again', async () => {
    const { handle } = recordingConsumer({ down: true });
    expect(failures(await handle(event(order('a'), 'garbage', order('b'))))).toEqual(['m0', 'm1', 'm2']);
  });
});

describe('JSON message bodies', () => {
  it('names what is wrong with a body instead of throwing', () => {
    expect(parseJsonBody('{', Order)).toEqual({ ok: false, reason: 'body is not JSON' });
    const wrong = parseJsonBody(JSON.stringify({ sku: 'a', quantity: 0 }), Order);
    expect(wrong).toMatchObject({ ok: false, reason: expect.stringContaining('quantity') });
    expect(parseJsonBody(order('a', 3), Order)).toEqual({ ok: true, value: { sku: 'a', quantity: 3 } });
  });
});
