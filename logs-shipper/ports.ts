import type { LogDocument } from './documents.ts';

/** How Elasticsearch answered for one document of a bulk request. */
export type IndexOutcome =
  | { result: 'created' }
  /** The `_id` is already indexed: an earlier delivery of the same event got through. */
  | { result: 'duplicate' }
  /** `retryable` for overload and server errors (429, 5xx, no answer); a mapping refusal is final. */
  | { result: 'failed'; retryable: boolean; status: number; reason: string };

/** Writes log documents, each only if its `_id` is new; one outcome per document, in order. */
export interface LogIndex {
  create(documents: LogDocument[]): Promise<IndexOutcome[]>;
}

/** What the shipper gives up on, with enough to find or replay it. */
export type DeadLetter =
  | {
      kind: 'log-event';
      reason: string;
      /** HTTP status of the last refusal; 0 when Elasticsearch did not answer. */
      status: number;
      attempts: number;
      index: string;
      logGroup: string;
      logStream: string;
      /** CloudWatch event id and timestamp: the event is still in its log stream. */
      id: string;
      timestamp: number;
      /** The log line as CloudWatch delivered it. */
      message: string;
    }
  | {
      kind: 'payload';
      reason: string;
      /** The undecodable `awslogs.data`, or the whole event when even that was missing. */
      data: string;
    };

/** Where undeliverable log events go. Throws when it cannot take them, so the delivery is retried. */
export interface DeadLetters {
  send(letters: DeadLetter[]): Promise<void>;
}
