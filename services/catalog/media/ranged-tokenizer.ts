import {
  AbstractTokenizer,
  EndOfStreamError,
  type IRandomAccessFileInfo,
  type IReadChunkOptions,
} from 'strtok3';

/** Reads bytes `start` to `end` (exclusive) of one object; fewer only at its end. */
export type RangeReader = (start: number, end: number) => Promise<Uint8Array>;

/** Bytes fetched per ranged read; parsers read a few bytes at a time and mostly forward. */
const BLOCK_BYTES = 256 * 1024;
/** Blocks kept: the header and the current position, with room for a parser that looks back. */
const KEPT_BLOCKS = 4;

/**
 * A random-access tokenizer (strtok3, what music-metadata parses from) over ranged reads of an
 * object, so a parser that needs the header, a seek table and the last page reads those, never the
 * whole file. Reads are made a block at a time and the last few blocks are kept, so the many small
 * reads of a parser cost few requests; memory stays at {@link KEPT_BLOCKS} blocks whatever the size.
 */
export class RangedTokenizer extends AbstractTokenizer {
  readonly fileInfo: IRandomAccessFileInfo;
  private readonly blocks = new Map<number, Promise<Uint8Array>>();
  /** Ranged requests made: for tests and the bench. */
  requests = 0;

  constructor(
    private readonly read: RangeReader,
    fileInfo: { size: number; mimeType?: string },
  ) {
    super();
    this.fileInfo = { ...fileInfo };
  }

  supportsRandomAccess(): boolean {
    return true;
  }

  setPosition(position: number): void {
    this.validateLength(position, 'position');
    this.position = position;
  }

  async readBuffer(buffer: Uint8Array, options?: IReadChunkOptions): Promise<number> {
    const normalized = this.normalizeOptions(buffer, options);
    const bytesRead = await this.peekBuffer(buffer, normalized);
    this.position = normalized.position + bytesRead;
    return bytesRead;
  }

  async peekBuffer(buffer: Uint8Array, options?: IReadChunkOptions): Promise<number> {
    const { position, length, mayBeLess } = this.normalizeOptions(buffer, options);
    const available = Math.max(0, Math.min(this.fileInfo.size - position, length));
    if (!mayBeLess && available < length) throw new EndOfStreamError();
    let copied = 0;
    while (copied < available) {
      const at = position + copied;
      const index = Math.floor(at / BLOCK_BYTES);
      const block = await this.block(index);
      const offset = at - index * BLOCK_BYTES;
      const count = Math.min(available - copied, block.length - offset);
      if (count <= 0) throw new EndOfStreamError();
      buffer.set(block.subarray(offset, offset + count), copied);
      copied += count;
    }
    return available;
  }

  private block(index: number): Promise<Uint8Array> {
    const kept = this.blocks.get(index);
    if (kept) {
      // Most recently used last, so the oldest is dropped first.
      this.blocks.delete(index);
      this.blocks.set(index, kept);
      return kept;
    }
    const start = index * BLOCK_BYTES;
    this.requests++;
    const loading = this.read(start, Math.min(this.fileInfo.size, start + BLOCK_BYTES));
    this.blocks.set(index, loading);
    loading.catch(() => this.blocks.delete(index));
    while (this.blocks.size > KEPT_BLOCKS) {
      const oldest = this.blocks.keys().next().value as number;
      this.blocks.delete(oldest);
    }
    return loading;
  }
}
