import {
  SendMessageBatchCommand,
  type SendMessageBatchRequestEntry,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import type { DeadLetter, DeadLetters } from './ports.ts';

/** SQS refuses messages and batches over 256 KiB; a little is kept back for the batch's own framing. */
const MAX_MESSAGE_BYTES = 250 * 1024;
const MAX_BATCH_ENTRIES = 10;
const SEND_ATTEMPTS = 3;

/**
 * A dead letter as one SQS message body. A line too long for SQS is cut, and says so with its full
 * length: the event itself is still in its CloudWatch log stream, which the letter names.
 */
export function deadLetterBody(letter: DeadLetter): string {
  const body = JSON.stringify(letter);
  if (Buffer.byteLength(body) <= MAX_MESSAGE_BYTES) return body;
  const field = letter.kind === 'log-event' ? 'message' : 'data';
  const full = letter.kind === 'log-event' ? letter.message : letter.data;
  const overhead = Buffer.byteLength(JSON.stringify({ ...letter, [field]: '', truncated: true, length: 0 }));
  // Cut by characters, then re-check in bytes: JSON escaping and multi-byte characters only grow it.
  let kept = full.slice(0, Math.max(0, MAX_MESSAGE_BYTES - overhead - 64));
  let cut = JSON.stringify({ ...letter, [field]: kept, truncated: true, length: full.length });
  while (Buffer.byteLength(cut) > MAX_MESSAGE_BYTES) {
    kept = kept.slice(0, Math.floor(kept.length * 0.8));
    cut = JSON.stringify({ ...letter, [field]: kept, truncated: true, length: full.length });
  }
  return cut;
}

/** {@link DeadLetters} on an SQS queue, in batches that respect SQS's count and size limits. */
export function sqsDeadLetters(sqs: SQSClient, queueUrl: string): DeadLetters {
  return {
    async send(letters) {
      for (const batch of batches(letters.map(deadLetterBody))) {
        let entries: SendMessageBatchRequestEntry[] = batch.map((body, position) => ({
          Id: String(position),
          MessageBody: body,
        }));
        for (let attempt = 1; entries.length > 0; attempt++) {
          const { Failed = [] } = await sqs.send(
            new SendMessageBatchCommand({ QueueUrl: queueUrl, Entries: entries }),
          );
          const failedIds = new Set(Failed.map((failure) => failure.Id));
          entries = entries.filter((entry) => failedIds.has(entry.Id));
          if (entries.length > 0 && attempt >= SEND_ATTEMPTS) {
            const reasons = Failed.map((failure) => failure.Message ?? failure.Code).join('; ');
            throw new Error(`dead-letter queue refused ${entries.length} message(s): ${reasons}`);
          }
        }
      }
    },
  };
}

function* batches(bodies: string[]): Generator<string[]> {
  let batch: string[] = [];
  let bytes = 0;
  for (const body of bodies) {
    const size = Buffer.byteLength(body);
    if (batch.length > 0 && (batch.length >= MAX_BATCH_ENTRIES || bytes + size > MAX_MESSAGE_BYTES)) {
      yield batch;
      batch = [];
      bytes = 0;
    }
    batch.push(body);
    bytes += size;
  }
  if (batch.length > 0) yield batch;
}
