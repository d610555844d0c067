import {
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  type Message,
  type MessageAttributeValue,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { SQSBatchResponse, SQSEvent, SQSMessageAttributes, SQSRecord } from 'aws-lambda';
import { LOCAL_TRACE_ATTRIBUTE } from './xray.ts';

export interface SqsPollerOptions {
  sqs: SQSClient;
  queueUrl: string;
  queueArn: string;
  region: string;
  handler: (event: SQSEvent) => Promise<SQSBatchResponse | undefined>;
  batchSize?: number;
  /** How long a received message stays invisible; failed ones reappear after it, as on AWS. */
  visibilityTimeoutSeconds?: number;
  waitTimeSeconds?: number;
  /**
   * Batches handled at once, each by a receive loop of its own. Lambda's SQS event source does the
   * same with several pollers (five to start, more as the queue grows), so there too batches
   * overlap and a record may be applied before one sent earlier.
   */
  concurrency?: number;
  onError?: (error: unknown) => void;
}

/**
 * What Lambda's SQS event source mapping does, for the local stack: long-polls the queue (in
 * `concurrency` receive loops), calls the handler with a real SQS event, deletes the records it did
 * not report in `batchItemFailures` (all of them stay when it throws), and leaves failed records to
 * reappear after the visibility timeout, so the queue's redrive policy moves repeat failures to its
 * DLQ.
 */
export function startSqsPoller(options: SqsPollerOptions): { stop(): Promise<void> } {
  const { sqs, queueUrl } = options;
  const abort = new AbortController();
  let stopped = false;
  const receiveLoop = async () => {
    while (!stopped) {
      try {
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: queueUrl,
            MaxNumberOfMessages: options.batchSize ?? 10,
            WaitTimeSeconds: options.waitTimeSeconds ?? 1,
            VisibilityTimeout: options.visibilityTimeoutSeconds ?? 30,
            MessageSystemAttributeNames: ['All'],
            MessageAttributeNames: ['All'],
          }),
          { abortSignal: abort.signal },
        );
        if (Messages.length === 0) continue;
        const event: SQSEvent = { Records: Messages.map((message) => toRecord(message, options)) };
        let failedIds: Set<string>;
        try {
          const response = await options.handler(event);
          failedIds = new Set((response?.batchItemFailures ?? []).map((failure) => failure.itemIdentifier));
        } catch (error) {
          options.onError?.(error);
          failedIds = new Set(Messages.map((message) => message.MessageId ?? ''));
        }
        const done = Messages.filter((message) => !failedIds.has(message.MessageId ?? ''));
        if (done.length > 0) {
          await sqs.send(
            new DeleteMessageBatchCommand({
              QueueUrl: queueUrl,
              Entries: done.map((message, index) => ({
                Id: String(index),
                ReceiptHandle: message.ReceiptHandle,
              })),
            }),
          );
        }
      } catch (error) {
        if (stopped) break;
        options.onError?.(error);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  };
  const loops = Array.from({ length: options.concurrency ?? 1 }, receiveLoop);
  return {
    async stop() {
      stopped = true;
      abort.abort();
      await Promise.all(loops);
    },
  };
}

function toRecord(message: Message, options: SqsPollerOptions): SQSRecord {
  const system = message.Attributes ?? {};
  // SNS's trace, as the local SNS tracing stand-in carried it (scripts/local/xray.ts).
  const { [LOCAL_TRACE_ATTRIBUTE]: snsTrace, ...messageAttributes } = message.MessageAttributes ?? {};
  const traceHeader = system.AWSTraceHeader ?? snsTrace?.StringValue;
  return {
    messageId: message.MessageId ?? '',
    receiptHandle: message.ReceiptHandle ?? '',
    body: message.Body ?? '',
    attributes: {
      ApproximateReceiveCount: system.ApproximateReceiveCount ?? '1',
      SentTimestamp: system.SentTimestamp ?? String(Date.now()),
      SenderId: system.SenderId ?? 'local',
      ApproximateFirstReceiveTimestamp: system.ApproximateFirstReceiveTimestamp ?? String(Date.now()),
      ...(traceHeader ? { AWSTraceHeader: traceHeader } : {}),
    },
    messageAttributes: toLambdaAttributes(messageAttributes),
    md5OfBody: message.MD5OfBody ?? '',
    eventSource: 'aws:sqs',
    eventSourceARN: options.queueArn,
    awsRegion: options.region,
  };
}

/** SQS API attributes (`StringValue`) in the Lambda event's spelling (`stringValue`). */
function toLambdaAttributes(attributes: Record<string, MessageAttributeValue>): SQSMessageAttributes {
  return Object.fromEntries(
    Object.entries(attributes).map(([name, value]) => [
      name,
      {
        dataType: value.DataType ?? 'String',
        ...(value.StringValue === undefined ? {} : { stringValue: value.StringValue }),
        stringListValues: value.StringListValues ?? [],
        binaryListValues: [],
      },
    ]),
  );
}

/** Messages a queue still holds, waiting or received and not yet deleted (SQS's approximate counts). */
export async function messagesHeld(sqs: SQSClient, queueUrl: string): Promise<number> {
  const { Attributes = {} } = await sqs.send(
    new GetQueueAttributesCommand({
      QueueUrl: queueUrl,
      AttributeNames: ['ApproximateNumberOfMessages', 'ApproximateNumberOfMessagesNotVisible'],
    }),
  );
  return (
    Number(Attributes.ApproximateNumberOfMessages ?? 0) +
    Number(Attributes.ApproximateNumberOfMessagesNotVisible ?? 0)
  );
}
