import type { PublishBatchCommand, SNSClient } from '@aws-sdk/client-sns';
import { describe, expect, it } from 'vitest';
import { type UsageEvent, UsageMessage, usageEvent } from '#services/metrics/contract';
import { SNS_PAYLOAD_LIMIT, SNS_SINK_BATCH, snsUsageSink } from './sns-sink.ts';

const search = (n: number, query = `query ${n}`): UsageEvent =>
  usageEvent({
    type: 'search.performed',
    occurredAt: new Date(1_800_000_000_000 + n).toISOString(),
    actor: { kind: 'anonymous', id: null },
    subject: { kind: 'search', id: query.slice(0, 200) },
    props: { query, filters: {}, resultCount: 1, latencyMs: 2, cached: true },
  });

type Entries = NonNullable<PublishBatchCommand['input']['PublishBatchRequestEntries']>;

/** An SNS that keeps every PublishBatch it is sent and answers with `answer`. */
function recordingSns(answer: (entries: Entries, call: number) => { Failed?: { Id: string }[] }) {
  const calls: Entries[] = [];
  const sns = {
    send: async (command: PublishBatchCommand) => {
      const entries = command.input.PublishBatchRequestEntries ?? [];
      calls.push(entries);
      return answer(entries, calls.length);
    },
  } as unknown as Pick<SNSClient, 'send'>;
  return { sns, calls };
}

const bytes = (text: string | undefined) => Buffer.byteLength(text ?? '');
const eventsIn = (calls: Entries[]) =>
  calls.flatMap((entries) => entries.flatMap((entry) => UsageMessage.parse(JSON.parse(entry.Message ?? ''))));

describe('SNS usage sink', () => {
  it("keeps every PublishBatch within SNS's size limit and sends each event once, in messages of at most a hundred", async () => {
    const { sns, calls } = recordingSns(() => ({}));
    // Long queries: a thousand of these weigh several times what one PublishBatch may carry.
    const events = Array.from({ length: SNS_SINK_BATCH }, (_, n) => search(n, `${n} ${'ä'.repeat(400)}`));
    expect(await snsUsageSink(sns, 'arn:usage')(events)).toEqual([]);
    expect(calls.length).toBeGreaterThan(1);
    for (const entries of calls) {
      expect(entries.length).toBeLessThanOrEqual(10);
      expect(entries.reduce((sum, entry) => sum + bytes(entry.Message), 0)).toBeLessThanOrEqual(
        SNS_PAYLOAD_LIMIT,
      );
    }
    const sent = eventsIn(calls);
    expect(sent.map((event) => event.eventId).sort()).toEqual(events.map((event) => event.eventId).sort());
  });

  it('answers the events of the messages SNS refused, and of the calls from one that failed after another went through', async () => {
    const { sns } = recordingSns((entries, call) => {
      if (call === 2) throw new Error('connection reset');
      return { Failed: [{ Id: String(entries.length - 1) }] };
    });
    const events = Array.from({ length: SNS_SINK_BATCH }, (_, n) => search(n, `${n} ${'x'.repeat(300)}`));
    const refused = await snsUsageSink(sns, 'arn:usage')(events);
    expect(refused.length).toBeGreaterThan(100);
    expect(refused.length).toBeLessThan(events.length);
  });

  it('rejects when the first call fails, so the publisher retries the whole batch', async () => {
    const { sns } = recordingSns(() => {
      throw new Error('topic down');
    });
    await expect(snsUsageSink(sns, 'arn:usage')([search(1), search(2)])).rejects.toThrow('topic down');
  });
});
