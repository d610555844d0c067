import { randomUUID } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { noTracer } from '#lib/trace';
import type { MediaContentType } from '#services/catalog/contract';
import { inspectMedia } from '#services/catalog/media/inspect';
import { s3MediaObjects } from '#services/catalog/media/objects';
import { mediaS3Client } from '#services/catalog/media/s3';
import { audioFixture } from '#test/support/media';
import { percentile } from './load.ts';

const MB = 1024 * 1024;

export interface InspectionTiming {
  label: string;
  bytes: number;
  /** Median of the runs, in ms. */
  medianMs: number;
  msPerMb: number;
}

/** The fixtures of each accepted format, and two long files built from real audio. */
function samples(): Array<{ label: string; contentType: MediaContentType; bytes: Uint8Array }> {
  const fixture = (name: string, contentType: MediaContentType) => ({
    label: `${name} (${(audioFixture(name).length / 1024).toFixed(0)} kB)`,
    contentType,
    bytes: audioFixture(name),
  });
  return [
    fixture('tone.mp3', 'audio/mpeg'),
    fixture('tone.m4a', 'audio/mp4'),
    fixture('tone.aac', 'audio/aac'),
    fixture('tone.wav', 'audio/wav'),
    fixture('tone.flac', 'audio/flac'),
    fixture('tone.ogg', 'audio/ogg'),
    fixture('tone.opus', 'audio/opus'),
    {
      label: "MP3, 8 MB (the fixture's frames repeated)",
      contentType: 'audio/mpeg',
      bytes: repeatedMp3(8 * MB),
    },
    {
      label: 'AAC (ADTS), 8 MB (frames repeated)',
      contentType: 'audio/aac',
      bytes: repeated(audioFixture('tone.aac'), 8 * MB),
    },
    { label: 'WAV, 8 MB (PCM)', contentType: 'audio/wav', bytes: wav(8 * MB) },
  ];
}

/** An MP3 of about `size` bytes: the fixture's frames (its ID3 tag left out) over and over. */
function repeatedMp3(size: number): Uint8Array {
  const mp3 = audioFixture('tone.mp3');
  const tagBytes =
    mp3[0] === 0x49 && mp3[1] === 0x44 && mp3[2] === 0x33
      ? 10 + (((mp3[6] ?? 0) << 21) | ((mp3[7] ?? 0) << 14) | ((mp3[8] ?? 0) << 7) | (mp3[9] ?? 0))
      : 0;
  return repeated(mp3.subarray(tagBytes), size);
}

function repeated(unit: Uint8Array, size: number): Uint8Array {
  const copies = Math.max(1, Math.floor(size / unit.length));
  const out = new Uint8Array(copies * unit.length);
  for (let i = 0; i < copies; i++) out.set(unit, i * unit.length);
  return out;
}

/** A 16-bit mono 44.1 kHz WAV of `size` bytes of a 440 Hz tone. */
function wav(size: number): Uint8Array {
  const dataBytes = size - 44;
  const buffer = Buffer.alloc(size);
  buffer.write('RIFF', 0);
  buffer.writeUInt32LE(size - 8, 4);
  buffer.write('WAVEfmt ', 8);
  buffer.writeUInt32LE(16, 16);
  buffer.writeUInt16LE(1, 20);
  buffer.writeUInt16LE(1, 22);
  buffer.writeUInt32LE(44_100, 24);
  buffer.writeUInt32LE(88_200, 28);
  buffer.writeUInt16LE(2, 32);
  buffer.writeUInt16LE(16, 34);
  buffer.write('data', 36);
  buffer.writeUInt32LE(dataBytes, 40);
  for (let i = 0; i < dataBytes / 2; i++) {
    buffer.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 44_100)), 44 + i * 2);
  }
  return new Uint8Array(buffer);
}

/**
 * The inspector's work on objects in the local S3 (moto): ranged reads, parsing, the streamed
 * SHA-256; the median of `runs` inspections of each sample, and that per MB of file.
 */
export async function measureInspection(
  env: Record<string, string | undefined>,
  runs: number,
): Promise<InspectionTiming[]> {
  const settings = { AWS_REGION: env.AWS_REGION ?? '', AWS_ENDPOINT_URL: env.AWS_ENDPOINT_URL };
  const s3 = mediaS3Client(settings, noTracer);
  const bucket = env.MEDIA_BUCKET as string;
  const objects = s3MediaObjects(s3, bucket);
  const timings: InspectionTiming[] = [];
  try {
    for (const sample of samples()) {
      // Outside media/, so the inspector running beside the bench does not see it.
      const key = `bench/${randomUUID()}`;
      await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: sample.bytes }));
      const head = await objects.head(key);
      if (!head) throw new Error(`${key} was not stored`);
      const durations: number[] = [];
      for (let run = 0; run < runs; run++) {
        const started = performance.now();
        const inspection = await inspectMedia(objects, key, head, {
          contentType: sample.contentType,
          declaredSizeBytes: sample.bytes.length,
          maxBytes: 200 * MB,
        });
        durations.push(performance.now() - started);
        if (inspection.verdict !== 'ready') throw new Error(`${sample.label}: ${JSON.stringify(inspection)}`);
      }
      await objects.remove(key);
      const medianMs = percentile(
        durations.sort((a, b) => a - b),
        50,
      );
      timings.push({
        label: sample.label,
        bytes: sample.bytes.length,
        medianMs,
        msPerMb: medianMs / (sample.bytes.length / MB),
      });
    }
  } finally {
    s3.destroy();
  }
  return timings;
}

/**
 * Upload-to-ready latency through the running local stack, as a curator sees it: from the moment
 * S3 accepted the presigned POST to the first `GET /api/songs/{id}/media` that says `ready`
 * (polled every 10 ms), one upload at a time.
 */
export async function measureUploadToReady(
  api: string,
  curatorToken: string,
  uploads: number,
): Promise<number[]> {
  const headers = { 'content-type': 'application/json', authorization: `Bearer ${curatorToken}` };
  const created = await fetch(`${api}/songs`, {
    method: 'POST',
    headers,
    body: JSON.stringify({ title: `Bench Media ${randomUUID()}`, artist: 'Bench' }),
  });
  if (created.status !== 201) throw new Error(`creating the bench song: ${created.status}`);
  const { id } = (await created.json()) as { id: string };
  const bytes = audioFixture('tone.mp3');
  const latencies: number[] = [];
  for (let i = 0; i < uploads; i++) {
    const asked = await fetch(`${api}/songs/${id}/media/uploads`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ fileName: 'bench.mp3', contentType: 'audio/mpeg', sizeBytes: bytes.length }),
    });
    const { mediaId, upload } = (await asked.json()) as {
      mediaId: string;
      upload: { url: string; fields: Record<string, string> };
    };
    const form = new FormData();
    for (const [name, value] of Object.entries(upload.fields)) form.append(name, value);
    form.append('file', new Blob([bytes]), 'bench.mp3');
    const posted = await fetch(upload.url, { method: 'POST', body: form });
    await posted.arrayBuffer();
    const uploaded = performance.now();
    for (;;) {
      const list = (await (await fetch(`${api}/songs/${id}/media`, { headers })).json()) as {
        items: Array<{ mediaId: string; status: string }>;
      };
      const status = list.items.find((item) => item.mediaId === mediaId)?.status;
      if (status === 'ready') break;
      if (status === 'rejected') throw new Error('a bench upload was rejected');
      if (performance.now() - uploaded > 30_000)
        throw new Error('a bench upload was not inspected within 30 s');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    latencies.push(performance.now() - uploaded);
  }
  await fetch(`${api}/songs/${id}`, { method: 'DELETE', headers });
  return latencies.sort((a, b) => a - b);
}
