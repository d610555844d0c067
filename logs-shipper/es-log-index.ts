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

/** 429 (overloaded) and 5xx may pass later; anything else (a mapping conflict) never will. */
const retryable = (status: number) => status === 429 || status >= 500;

/**
 * {@link LogIndex} over the Elasticsearch bulk API, with `create` so an `_id` that is already
 * indexed answers 409 instead of being overwritten or duplicated. Large batches are split into
 * several bulk requests; one that fails as a whole fails only its own documents, as retryable.
 */
export function esLogIndex(client: Client): LogIndex {
  async function bulk(documents: LogDocument[]): Promise<IndexOutcome[]> {
    try {
      const response = await client.bulk({
        operations: documents.flatMap((document) => [
          { create: { _index: document.index, _id: document.id } },
          document.source,
        ]),
      });
      return documents.map((_, position) => {
        const item = Object.values(response.items[position] ?? {})[0] as BulkItem | undefined;
        const status = item?.status ?? 0;
        if (status === 201 || status === 200) return { result: 'created' };
        if (status === 409) return { result: 'duplicate' };
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
      for (const chunk of chunks(documents)) outcomes.push(...(await bulk(chunk)));
      return outcomes;
    },
  };
}

function* chunks(documents: LogDocument[]): Generator<LogDocument[]> {
  let chunk: LogDocument[] = [];
  let bytes = 0;
  for (const document of documents) {
    const size = Buffer.byteLength(JSON.stringify(document.source)) + document.id.length + 64;
    if (chunk.length > 0 && (bytes + size > MAX_BULK_BYTES || chunk.length >= MAX_BULK_DOCUMENTS)) {
      yield chunk;
      chunk = [];
      bytes = 0;
    }
    chunk.push(document);
    bytes += size;
  }
  if (chunk.length > 0) yield chunk;
}
