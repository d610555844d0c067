import { PublishBatchCommand, type PublishBatchRequestEntry, type SNSClient } from '@aws-sdk/client-sns';
import { DependencyError } from '#lib/errors';
import type { ChangeMessage } from './changes.ts';
import type { ChangePublisher } from './outbox.ts';

const SNS_BATCH_LIMIT = 10;

export interface PublisherTopics {
  /** Every change, with `entity` and `op` attributes for subscription filters. */
  changes: string;
  /** What a user is told about ("you're up next"), in the notification's own shape. */
  notifications: string;
}

/** The outbox entity whose rows are notifications rather than changes. */
export const UP_NEXT_ENTITY = 'up-next';

/**
 * A "you're up next" notification as published: the rotations service logged `SingerUpNext`
 * once per singer becoming next-up, and `notificationId` (the log entry) lets a consumer drop the
 * rare redelivery.
 */
export function upNextNotification(message: ChangeMessage) {
  const data = (message.payload.data ?? {}) as Record<string, unknown>;
  return {
    type: 'up-next' as const,
    singerId: data.singerId,
    eventId: message.payload.event_id,
    estimatedStartAt: data.estimatedStartAt,
    notificationId: message.key,
  };
}

function entryFor(message: ChangeMessage): PublishBatchRequestEntry {
  const isNotification = message.entity === UP_NEXT_ENTITY;
  return {
    Id: String(message.outboxId),
    Message: JSON.stringify(isNotification ? upNextNotification(message) : message),
    MessageAttributes: isNotification
      ? { type: { DataType: 'String', StringValue: 'up-next' } }
      : {
          entity: { DataType: 'String', StringValue: message.entity },
          op: { DataType: 'String', StringValue: message.op },
        },
  };
}

/**
 * Publishes outbox rows: notifications to the `notifications` topic, everything else to `changes`.
 * Resolves only when SNS accepted every message.
 */
export function snsChangePublisher(sns: SNSClient, topics: PublisherTopics): ChangePublisher {
  const send = async (topicArn: string, batch: ChangeMessage[]) => {
    const result = await sns
      .send(new PublishBatchCommand({ TopicArn: topicArn, PublishBatchRequestEntries: batch.map(entryFor) }))
      .catch((error: unknown) => {
        throw new DependencyError('SNS publish failed', { cause: error });
      });
    if (result.Failed && result.Failed.length > 0) {
      const first = result.Failed[0];
      throw new DependencyError(
        `SNS refused ${result.Failed.length} of ${batch.length} messages (first: ${first?.Code} ${first?.Message ?? ''})`,
      );
    }
  };
  return {
    async publish(messages) {
      const notifications = messages.filter((message) => message.entity === UP_NEXT_ENTITY);
      const changes = messages.filter((message) => message.entity !== UP_NEXT_ENTITY);
      for (const [topicArn, list] of [
        [topics.changes, changes],
        [topics.notifications, notifications],
      ] as const) {
        for (let start = 0; start < list.length; start += SNS_BATCH_LIMIT) {
          await send(topicArn, list.slice(start, start + SNS_BATCH_LIMIT));
        }
      }
    },
  };
}
