import { PublishBatchCommand, type SNSClient } from '@aws-sdk/client-sns';
import { MAX_EVENTS_PER_MESSAGE, type UsageEvent } from '#services/metrics/contract';
import type { UsageSink } from './publisher.ts';

/** SNS PublishBatch takes at most ten messages. */
const MESSAGES_PER_PUBLISH = 10;

/**
 * SNS's default limit, in bytes, on one message and on the sum of a PublishBatch's messages (a
 * topic's MaximumMessageSize can raise it; the usage topic keeps the default).
 */
export const SNS_PAYLOAD_LIMIT = 262_144;

/** Events one send takes at most: ten messages of a hundred (in as many PublishBatch calls as their bytes need). */
export const SNS_SINK_BATCH = MESSAGES_PER_PUBLISH * MAX_EVENTS_PER_MESSAGE;

/** An event and its JSON, serialized once for the message it goes in. */
interface Serialized {
  event: UsageEvent;
  json: string;
  bytes: number;
}

/**
 * Publishes events to the SNS `usage` topic, each message an array of up to a hundred events.
 * Messages are packed by size as well as count: a PublishBatch's messages may weigh
 * {@link SNS_PAYLOAD_LIMIT} bytes together (a thousand search events weigh more), so the events are
 * sent in as many PublishBatch calls as that needs. Resolves with the events SNS refused (their
 * message failed, a call failed after an earlier one went through, or an event alone weighs more
 * than a message may); rejects when the first call fails (the topic is down or refuses us).
 */
export function snsUsageSink(sns: Pick<SNSClient, 'send'>, topicArn: string): UsageSink {
  return async (events) => {
    if (events.length > SNS_SINK_BATCH) {
      throw new RangeError(`at most ${SNS_SINK_BATCH} events per send, got ${events.length}`);
    }
    const { publishes, oversized } = pack(events);
    const refused = [...oversized];
    // One call after another: a topic that fails the first call is not sent the rest.
    for (const [n, messages] of publishes.entries()) {
      let failed: readonly { Id?: string | undefined }[];
      try {
        const result = await sns.send(
          new PublishBatchCommand({
            TopicArn: topicArn,
            PublishBatchRequestEntries: messages.map((message, id) => ({
              Id: String(id),
              Message: `[${message.map((entry) => entry.json).join(',')}]`,
            })),
          }),
        );
        failed = result.Failed ?? [];
      } catch (error) {
        // Nothing went out yet: the publisher retries the whole batch.
        if (n === 0) throw error;
        for (const unsent of publishes.slice(n)) refused.push(...unsent.flat().map((entry) => entry.event));
        return refused;
      }
      for (const failure of failed) {
        refused.push(...(messages[Number(failure.Id)] ?? []).map((entry) => entry.event));
      }
    }
    return refused;
  };
}

/** Events into messages (≤ 100 events, ≤ the limit in bytes) and messages into PublishBatch calls. */
function pack(events: readonly UsageEvent[]): { publishes: Serialized[][][]; oversized: UsageEvent[] } {
  const publishes: Serialized[][][] = [];
  const oversized: UsageEvent[] = [];
  let publish: Serialized[][] = [];
  let publishBytes = 0;
  let message: Serialized[] = [];
  let messageBytes = 2; // the brackets
  const closeMessage = () => {
    if (message.length === 0) return;
    if (publish.length === MESSAGES_PER_PUBLISH || publishBytes + messageBytes > SNS_PAYLOAD_LIMIT) {
      publishes.push(publish);
      publish = [];
      publishBytes = 0;
    }
    publish.push(message);
    publishBytes += messageBytes;
    message = [];
    messageBytes = 2;
  };
  for (const event of events) {
    const json = JSON.stringify(event);
    const bytes = Buffer.byteLength(json);
    if (bytes + 2 > SNS_PAYLOAD_LIMIT) {
      oversized.push(event);
      continue;
    }
    if (message.length === MAX_EVENTS_PER_MESSAGE || messageBytes + bytes + 1 > SNS_PAYLOAD_LIMIT) {
      closeMessage();
    }
    message.push({ event, json, bytes });
    messageBytes += bytes + (message.length > 1 ? 1 : 0);
  }
  closeMessage();
  if (publish.length > 0) publishes.push(publish);
  return { publishes, oversized };
}
