/**
 * `npm run trace -- <traceId>`: prints one trace of the running local stack as a tree with timings,
 * from the segments its X-Ray daemon stand-in kept in Elasticsearch. The id is the `Root=` of a
 * response's `X-Amzn-Trace-Id` header, or the `trace.id` of any of the request's log lines.
 */
import { rootTraceId } from '#lib/trace';
import { readTrace } from '#test/support/xray-daemon';
import { formatTrace, traceTree } from '#test/support/xray-traces';
import { runningLocalStack } from './local/stack-file.ts';

async function main(): Promise<void> {
  const argument = process.argv[2];
  const traceId = argument && (rootTraceId(argument) ?? rootTraceId(`Root=${argument}`));
  if (!traceId) {
    throw new Error('Usage: npm run trace -- <traceId>  (1-xxxxxxxx-xxxxxxxxxxxxxxxxxxxxxxxx, or Root=…)');
  }
  const elasticsearchUrl = process.env.ELASTICSEARCH_URL ?? runningLocalStack().env.ELASTICSEARCH_URL;
  if (!elasticsearchUrl) throw new Error('The running stack does not say where its Elasticsearch is.');
  // Segments reach Elasticsearch within a second of their request's end; a trace still growing
  // (its queue consumers) is read again until it stops changing.
  let documents = await readTrace(elasticsearchUrl, traceId);
  for (let attempt = 0; attempt < 5; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 700));
    const again = await readTrace(elasticsearchUrl, traceId);
    if (again.length === documents.length && documents.length > 0) break;
    documents = again;
  }
  if (documents.length === 0) {
    throw new Error(`No segments of trace ${traceId} (yet). Is it from this stack, since its last start?`);
  }
  console.log(`trace ${traceId}`);
  console.log(formatTrace(traceTree(documents)));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
