/**
 * FLAC's STREAMINFO says how many samples a file holds, and music-metadata takes the duration from
 * it, so a FLAC cut short still reads as complete. What proves a FLAC whole is its end: the last
 * frame must end exactly at the end of the file (its CRC-16 footer checks out there) and end at the
 * sample STREAMINFO announces.
 */

export interface StreamInfo {
  /** The block size of every frame but the last in a fixed-blocksize stream. */
  maxBlockSize: number;
  /** 0 when the encoder did not know. */
  maxFrameSize: number;
  /** 0 when the encoder did not know. */
  totalSamples: number;
}

/** STREAMINFO from a file's first 42 bytes, or null when the file does not start with `fLaC`. */
export function readStreamInfo(head: Uint8Array): StreamInfo | null {
  if (head.length < 42 || String.fromCharCode(...head.subarray(0, 4)) !== 'fLaC') return null;
  const view = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const maxFrameSize = (view.getUint8(15) << 16) | (view.getUint8(16) << 8) | view.getUint8(17);
  // 36 bits: the low 4 bits of byte 21, then bytes 22-25.
  const totalSamples = (view.getUint8(21) & 0x0f) * 2 ** 32 + view.getUint32(22);
  return { maxBlockSize: view.getUint16(10), maxFrameSize, totalSamples };
}

/** How many bytes of the end to read to find the last frame whole. */
export function tailBytesNeeded(info: StreamInfo): number {
  return info.maxFrameSize > 0 ? info.maxFrameSize + 64 : 1024 * 1024;
}

/**
 * Whether `tail`, the last bytes of a FLAC file, ends with a whole last frame at the announced
 * sample count. Scans back for frame headers (sync code and CRC-8) and takes the last one whose
 * frame runs to the end of the file with a matching CRC-16.
 */
export function endsWithLastFrame(tail: Uint8Array, info: StreamInfo): boolean {
  for (let at = tail.length - 4; at >= 0; at--) {
    if (tail[at] !== 0xff || ((tail[at + 1] ?? 0) & 0xfe) !== 0xf8) continue;
    const header = frameHeader(tail, at);
    if (!header) continue;
    const footer = ((tail[tail.length - 2] ?? 0) << 8) | (tail[tail.length - 1] ?? 0);
    if (crc16(tail, at, tail.length - 2) !== footer) continue;
    if (info.totalSamples === 0) return true;
    const firstSample = header.variable ? header.number : header.number * info.maxBlockSize;
    return firstSample + header.blockSize === info.totalSamples;
  }
  return false;
}

interface FrameHeader {
  variable: boolean;
  /** The frame number (fixed blocksize) or the first sample's number (variable). */
  number: number;
  blockSize: number;
}

function frameHeader(bytes: Uint8Array, at: number): FrameHeader | null {
  const byte = (offset: number) => bytes[at + offset];
  const b2 = byte(2);
  const b3 = byte(3);
  if (b2 === undefined || b3 === undefined) return null;
  const blockCode = b2 >> 4;
  const rateCode = b2 & 0x0f;
  if (blockCode === 0 || rateCode === 15 || b3 >> 4 >= 11 || (b3 & 1) !== 0) return null;
  // The frame or sample number, UTF-8 coded.
  let offset = 4;
  const first = byte(offset++);
  if (first === undefined) return null;
  let extra = 0;
  let number = first;
  if (first >= 0xc0) {
    extra =
      first >= 0xfe ? 6 : first >= 0xfc ? 5 : first >= 0xf8 ? 4 : first >= 0xf0 ? 3 : first >= 0xe0 ? 2 : 1;
    number = first & (0x3f >> extra);
  } else if (first >= 0x80) return null;
  for (let i = 0; i < extra; i++) {
    const next = byte(offset++);
    if (next === undefined || (next & 0xc0) !== 0x80) return null;
    number = number * 64 + (next & 0x3f);
  }
  let blockSize: number;
  if (blockCode === 1) blockSize = 192;
  else if (blockCode <= 5) blockSize = 576 * 2 ** (blockCode - 2);
  else if (blockCode === 6) blockSize = (byte(offset++) ?? -1) + 1;
  else if (blockCode === 7) {
    blockSize = (((byte(offset) ?? 0) << 8) | (byte(offset + 1) ?? 0)) + 1;
    offset += 2;
  } else blockSize = 256 * 2 ** (blockCode - 8);
  if (rateCode === 12) offset += 1;
  else if (rateCode === 13 || rateCode === 14) offset += 2;
  const crc = byte(offset);
  if (crc === undefined || crc8(bytes, at, at + offset) !== crc || blockSize <= 0) return null;
  return { variable: ((byte(1) ?? 0) & 1) === 1, number, blockSize };
}

function crc8(bytes: Uint8Array, from: number, to: number): number {
  let crc = 0;
  for (let i = from; i < to; i++) {
    crc ^= bytes[i] ?? 0;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x80 ? ((crc << 1) ^ 0x07) & 0xff : (crc << 1) & 0xff;
  }
  return crc;
}

const CRC16_TABLE = (() => {
  const table = new Uint16Array(256);
  for (let n = 0; n < 256; n++) {
    let crc = n << 8;
    for (let bit = 0; bit < 8; bit++)
      crc = crc & 0x8000 ? ((crc << 1) ^ 0x8005) & 0xffff : (crc << 1) & 0xffff;
    table[n] = crc;
  }
  return table;
})();

function crc16(bytes: Uint8Array, from: number, to: number): number {
  let crc = 0;
  for (let i = from; i < to; i++)
    crc = ((crc << 8) ^ (CRC16_TABLE[(crc >> 8) ^ (bytes[i] ?? 0)] ?? 0)) & 0xffff;
  return crc;
}
