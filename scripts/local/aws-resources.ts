import {
  BucketAlreadyOwnedByYou,
  CreateBucketCommand,
  PutBucketNotificationConfigurationCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { AlreadyExistsException, CreateEmailIdentityCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import { CreateTopicCommand, SNSClient, SubscribeCommand } from '@aws-sdk/client-sns';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { USAGE_CHANGE_ENTITIES } from '#services/metrics/usage-archiver/archiver';

/** The queues subscribed to the `changes` topic; infra/terraform creates the same ones on AWS. */
export const CHANGE_QUEUES = ['search-indexer', 'cache-invalidator', 'performances'] as const;
export type ChangeQueue = (typeof CHANGE_QUEUES)[number];

/**
 * Which changes each queue receives (SNS filter policies on the `entity` attribute); a queue
 * without an entry gets every change.
 */
export const QUEUE_FILTERS: Partial<Record<ChangeQueue, Record<string, string[]>>> = {
  'search-indexer': { entity: ['song'] },
  performances: { entity: ['performance'] },
};

/** A message that failed this many receives moves to the queue's dead-letter queue. */
export const MAX_RECEIVE_COUNT = 5;

export interface QueueResource {
  url: string;
  arn: string;
  deadLetterUrl: string;
}

export interface LocalAwsResources {
  changesTopicArn: string;
  notificationsTopicArn: string;
  /**
   * Subscribed to the `notifications` topic, standing in for the push/SMS senders a deployment
   * attaches there, so the local stack and tests can see what was sent.
   */
  notificationsOutbox: QueueResource;
  queues: Record<ChangeQueue, QueueResource>;
  mediaBucket: string;
  /** Receives the media bucket's ObjectCreated events under `media/`, as on AWS. */
  mediaInspectorQueue: QueueResource;
  /** Read events from the BFF. */
  usageTopicArn: string;
  /** Subscribed to `usage`, and to the karaoke log entries of `changes`. */
  usageArchiverQueue: QueueResource;
  /** The usage data lake (Parquet under `usage/`). */
  lakeBucket: string;
  /** Pitch e-mails that failed, waiting for the pitch-mailer's retry. */
  pitchMailQueue: QueueResource;
  /** The verified SES identity pitch e-mails come from. */
  pitchMailSender: string;
}

/** The local sender of pitch e-mails; moto refuses to send from an identity it does not know. */
export const LOCAL_PITCH_MAIL_SENDER = 'pitches@karaoke.test';

/** How long the media inspector may take over one batch before its messages come back. */
export const MEDIA_INSPECTOR_VISIBILITY_SECONDS = 120;

export interface AwsTarget {
  endpoint: string;
  region: string;
  /** Suffix for resource names, so parallel test files can own separate resources. */
  prefix?: string;
}

/**
 * Creates (idempotently) the SNS topics, SQS queues with dead-letter queues and raw-delivery
 * subscriptions, and the media bucket in an AWS emulator, mirroring infra/terraform.
 */
export async function ensureLocalAwsResources(target: AwsTarget): Promise<LocalAwsResources> {
  const client = { endpoint: target.endpoint, region: target.region, credentials: localCredentials };
  const sns = new SNSClient(client);
  const sqs = new SQSClient(client);
  const s3 = new S3Client({ ...client, forcePathStyle: true });
  const ses = new SESv2Client(client);
  const name = (base: string) => `${target.prefix ?? ''}${base}`;
  try {
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: name('changes') }));
    if (!TopicArn) throw new Error('CreateTopic returned no TopicArn');
    const queues = {} as Record<ChangeQueue, QueueResource>;
    for (const queue of CHANGE_QUEUES) {
      const deadLetter = await createQueue(sqs, name(`${queue}-dlq`), {});
      const main = await createQueue(sqs, name(queue), {
        VisibilityTimeout: '30',
        RedrivePolicy: JSON.stringify({
          deadLetterTargetArn: deadLetter.arn,
          maxReceiveCount: MAX_RECEIVE_COUNT,
        }),
      });
      await sns.send(
        new SubscribeCommand({
          TopicArn,
          Protocol: 'sqs',
          Endpoint: main.arn,
          Attributes: {
            RawMessageDelivery: 'true',
            ...(QUEUE_FILTERS[queue] ? { FilterPolicy: JSON.stringify(QUEUE_FILTERS[queue]) } : {}),
          },
        }),
      );
      queues[queue] = { url: main.url, arn: main.arn, deadLetterUrl: deadLetter.url };
    }
    const { TopicArn: notificationsTopicArn } = await sns.send(
      new CreateTopicCommand({ Name: name('notifications') }),
    );
    if (!notificationsTopicArn) throw new Error('CreateTopic returned no TopicArn');
    const notificationsDeadLetter = await createQueue(sqs, name('notifications-outbox-dlq'), {});
    const notificationsQueue = await createQueue(sqs, name('notifications-outbox'), {});
    await sns.send(
      new SubscribeCommand({
        TopicArn: notificationsTopicArn,
        Protocol: 'sqs',
        Endpoint: notificationsQueue.arn,
        Attributes: { RawMessageDelivery: 'true' },
      }),
    );
    const mediaBucket = name('karaoke-media-local');
    await s3.send(new CreateBucketCommand({ Bucket: mediaBucket })).catch((error: unknown) => {
      if (!(error instanceof BucketAlreadyOwnedByYou)) throw error;
    });
    const inspectorDeadLetter = await createQueue(sqs, name('media-inspector-dlq'), {});
    const inspectorQueue = await createQueue(sqs, name('media-inspector'), {
      VisibilityTimeout: String(MEDIA_INSPECTOR_VISIBILITY_SECONDS),
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: inspectorDeadLetter.arn,
        maxReceiveCount: MAX_RECEIVE_COUNT,
      }),
    });
    // moto sends the same S3 event notification to the queue as S3 does (and a test event now).
    await s3.send(
      new PutBucketNotificationConfigurationCommand({
        Bucket: mediaBucket,
        NotificationConfiguration: {
          QueueConfigurations: [
            {
              Id: 'media-inspector',
              QueueArn: inspectorQueue.arn,
              Events: ['s3:ObjectCreated:*'],
              Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'media/' }] } },
            },
          ],
        },
      }),
    );
    const { TopicArn: usageTopicArn } = await sns.send(new CreateTopicCommand({ Name: name('usage') }));
    if (!usageTopicArn) throw new Error('CreateTopic returned no TopicArn');
    const usageDeadLetter = await createQueue(sqs, name('usage-archiver-dlq'), {});
    const usageQueue = await createQueue(sqs, name('usage-archiver'), {
      VisibilityTimeout: '60',
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: usageDeadLetter.arn,
        maxReceiveCount: MAX_RECEIVE_COUNT,
      }),
    });
    for (const [topicArn, filter] of [
      [usageTopicArn, undefined],
      [TopicArn, { entity: [...USAGE_CHANGE_ENTITIES] }],
    ] as const) {
      await sns.send(
        new SubscribeCommand({
          TopicArn: topicArn,
          Protocol: 'sqs',
          Endpoint: usageQueue.arn,
          Attributes: {
            RawMessageDelivery: 'true',
            ...(filter ? { FilterPolicy: JSON.stringify(filter) } : {}),
          },
        }),
      );
    }
    const pitchMailDeadLetter = await createQueue(sqs, name('pitch-mail-dlq'), {});
    const pitchMailQueue = await createQueue(sqs, name('pitch-mail'), {
      VisibilityTimeout: '60',
      RedrivePolicy: JSON.stringify({
        deadLetterTargetArn: pitchMailDeadLetter.arn,
        maxReceiveCount: MAX_RECEIVE_COUNT,
      }),
    });
    await ses
      .send(new CreateEmailIdentityCommand({ EmailIdentity: LOCAL_PITCH_MAIL_SENDER }))
      .catch((error: unknown) => {
        if (!(error instanceof AlreadyExistsException)) throw error;
      });
    const lakeBucket = name('karaoke-lake-local');
    await s3.send(new CreateBucketCommand({ Bucket: lakeBucket })).catch((error: unknown) => {
      if (!(error instanceof BucketAlreadyOwnedByYou)) throw error;
    });
    return {
      pitchMailQueue: { ...pitchMailQueue, deadLetterUrl: pitchMailDeadLetter.url },
      pitchMailSender: LOCAL_PITCH_MAIL_SENDER,
      usageTopicArn,
      usageArchiverQueue: { ...usageQueue, deadLetterUrl: usageDeadLetter.url },
      lakeBucket,
      changesTopicArn: TopicArn,
      notificationsTopicArn,
      notificationsOutbox: { ...notificationsQueue, deadLetterUrl: notificationsDeadLetter.url },
      queues,
      mediaBucket,
      mediaInspectorQueue: { ...inspectorQueue, deadLetterUrl: inspectorDeadLetter.url },
    };
  } finally {
    sns.destroy();
    sqs.destroy();
    s3.destroy();
    ses.destroy();
  }
}

async function createQueue(sqs: SQSClient, QueueName: string, Attributes: Record<string, string>) {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName, Attributes }));
  if (!QueueUrl) throw new Error(`CreateQueue ${QueueName} returned no QueueUrl`);
  const { Attributes: attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }),
  );
  const arn = attributes?.QueueArn;
  if (!arn) throw new Error(`queue ${QueueName} has no QueueArn`);
  return { url: QueueUrl, arn };
}

/** moto accepts any credentials; real ones are never needed or read locally. */
export const localCredentials = { accessKeyId: 'local', secretAccessKey: 'local' };
