import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** An entry's id in a PublishBatch form body; the SNS sink's ids are digits, sent as they are. */
const ENTRY_ID = /(?:^|&)PublishBatchRequestEntries\.member\.\d+\.Id=([^&]*)/g;

/** What SNS answers a publish to a topic that does not exist. */
const TOPIC_NOT_FOUND = `<ErrorResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/"><Error><Type>Sender</Type><Code>NotFound</Code><Message>Topic does not exist</Message></Error><RequestId>bench</RequestId></ErrorResponse>`;

/**
 * An SNS endpoint that accepts every PublishBatch at once and keeps nothing, so a bench can tell
 * what publishing costs the BFF itself from what moto (a Python server on the same two cores)
 * costs the machine. It answers in SNS's query protocol, as the SDK's SNS client speaks it. With
 * `refuse`, it answers every publish at once as SNS does for a topic that does not exist: what a
 * failing publish costs the BFF, without moto's work on each refused request.
 */
export async function startInstantSns(options: { refuse?: boolean } = {}): Promise<{
  url: string;
  published: () => number;
  stop(): Promise<void>;
}> {
  let published = 0;
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => {
      if (!options.refuse) chunks.push(chunk);
    });
    request.on('end', () => {
      if (options.refuse) {
        response.writeHead(404, { 'content-type': 'text/xml' });
        response.end(TOPIC_NOT_FOUND);
        return;
      }
      // Only the entries' ids, found in the raw body: decoding the whole form (hundreds of kB of
      // messages) would load the two cores the BFF under test runs on.
      const ids = [...Buffer.concat(chunks).toString('latin1').matchAll(ENTRY_ID)].map((match) => match[1]);
      published += ids.length;
      const successful = ids
        .map((id) => `<member><Id>${id}</Id><MessageId>${id}</MessageId></member>`)
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
