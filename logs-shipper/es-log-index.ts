import type { Client } from '@elastic/elasticsearch';
import type { LogDocument } from './documents.ts';
import type { IndexOutcome, LogIndex } from './ports.ts';

/** Bulk requests stay well below Elasticsearch's 100 MB request limit and its indexing buffers. */
const MAX_BULK_BYTES = 5 * 1024 * 1024;
const MAX_BULK_DOCUMENTS = 1000;

interface BulkItem {
  status?: number;
  error?: { type?: string; reason?: string | null; caused_by?: { reason?: string | null } };
}

const CREATED: IndexOutcome = { result: 'created' };
const DUPLICATE: IndexOutcome = { result: 'duplicate' };

/** 429 (overloaded) and 5xx may pass later; anything else (a mapping conflict) never will. */
const retryable = (status: number) => status === 429 || status >= 500;

/**
 * {@link LogIndex} over the Elasticsearch bulk API, with `create` so an `_id` that is already
 * indexed answers 409 instead of being overwritten or duplicated. Large batches are split into
 * several bulk requests; one that fails as a whole fails only its own documents, as retryable.
 */
export function esLogIndex(client: Client): LogIndex {
  async function bulk(chunk: EncodedChunk): Promise<IndexOutcome[]> {
    const { documents, body } = chunk;
    try {
      // The body goes out as it is (a string is not serialised again); the answer keeps only what
      // an outcome needs, not each item's index, id, version and shards.
      const response = await client.bulk({
        operations: body as unknown as BulkOperations,
        filter_path: BULK_ANSWER,
      });
      const items = response.items ?? [];
      return documents.map((_, position) => {
        // Every action is a `create`, so each item answers under that key.
        const item = items[position]?.create as BulkItem | undefined;
        const status = item?.status ?? 0;
        if (status === 201 || status === 200) return CREATED;
        if (status === 409) return DUPLICATE;
        const error = item?.error;
        const reason = [error?.type, error?.reason, error?.caused_by?.reason].filter(Boolean).join(': ');
        return {
          result: 'failed',
          retryable: retryable(status),
          status,
          reason: reason || `status ${status}`,
        };
      });
    } catch (error) {
      const reason = `bulk request failed: ${(error as Error).message}`;
      return documents.map(() => ({ result: 'failed', retryable: true, status: 0, reason }));
    }
  }

  return {
    async create(documents) {
      const outcomes: IndexOutcome[] = [];
      for (const chunk of encodedChunks(documents)) outcomes.push(...(await bulk(chunk)));
      return outcomes;
    },
  };
}

type BulkOperations = NonNullable<
  Extract<Parameters<Client['bulk']>[0], { operations?: unknown }>['operations']
>;

/** `filter_path` of a bulk answer: each item's status and error, nothing else. */
const BULK_ANSWER = 'items.*.status,items.*.error';

interface EncodedChunk {
  documents: LogDocument[];
  /** The NDJSON body of the bulk request: a `create` line and the source line per document. */
  body: string;
}

/**
 * Puts each document's JSON into the NDJSON lines of its bulk request, and cuts the requests
 * where the next document would pass {@link MAX_BULK_BYTES} or {@link MAX_BULK_DOCUMENTS}.
 */
export function* encodedChunks(documents: LogDocument[]): Generator<EncodedChunk> {
  let chunk: LogDocument[] = [];
  let lines: string[] = [];
  let bytes = 0;
  let index = '';
  let actionStart = '';
  for (const document of documents) {
    if (document.index !== index) {
      index = document.index;
      actionStart = `{"create":{"_index":${JSON.stringify(index)},"_id":`;
    }
    const action = `${actionStart}${JSON.stringify(document.id)}}}\n`;
    const source = `${document.json}\n`;
    // UTF-16 code units, not bytes: at most 3 bytes each, so a request stays far below the 100 MB limit.
    const size = action.length + source.length;
    if (chunk.length > 0 && (bytes + size > MAX_BULK_BYTES || chunk.length >= MAX_BULK_DOCUMENTS)) {
      yield { documents: chunk, body: lines.join('') };
      chunk = [];
      lines = [];
      bytes = 0;
    }
    chunk.push(document);
    lines.push(action, source);
    bytes += size;
  }
  if (chunk.length > 0) yield { documents: chunk, body: lines.join('') };
}
