import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * An SNS endpoint that accepts every PublishBatch at once and keeps nothing, so a bench can tell
 * what publishing costs the BFF itself from what moto (a Python server on the same two cores)
 * costs the machine. It answers in SNS's query protocol, as the SDK's SNS client speaks it.
 */
export async function startInstantSns(): Promise<{
  url: string;
  published: () => number;
  stop(): Promise<void>;
}> {
  let published = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const form = new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
      const ids = [...form.entries()].filter(([key]) =>
        /^PublishBatchRequestEntries\.member\.\d+\.Id$/.test(key),
      );
      published += ids.length;
      const successful = ids
        .map(([, id]) => `<member><Id>${id}</Id><MessageId>${id}</MessageId></member>`)
        .join('');
      response.writeHead(200, { 'content-type': 'text/xml' });
      response.end(
        `<PublishBatchResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><PublishBatchResult><Successful>${successful}</Successful><Failed/></PublishBatchResult><ResponseMetadata><RequestId>bench</RequestId></ResponseMetadata></PublishBatchResponse>`,
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    published: () => published,
    stop: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
