/**
 * `npm run dashboards`: draws every panel of the Kibana dashboard (logs-shipper/kibana/, the same
 * Vega specs and queries) against the running local stack's Elasticsearch, with the `vega` library,
 * into `.local/dashboards/index.html`. `--hours <n>` sets the time range (default 1 hour).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PANELS } from '../logs-shipper/kibana/panels.ts';
import { dashboardPage, renderPanel, type Search } from '../logs-shipper/kibana/render.ts';
import { REPO_ROOT } from '../test/support/stack.ts';
import { runningLocalStack } from './local/stack-file.ts';

async function main(): Promise<void> {
  const hoursFlag = process.argv.indexOf('--hours');
  const hours = hoursFlag > 0 ? Number(process.argv[hoursFlag + 1]) : 1;
  if (!(hours > 0)) throw new Error('--hours takes a positive number');
  const elasticsearchUrl = (
    process.env.ELASTICSEARCH_URL ??
    runningLocalStack().env.ELASTICSEARCH_URL ??
    ''
  ).replace(/\/$/, '');
  const search: Search = async (index, body) => {
    const response = await fetch(`${elasticsearchUrl}/${index}/_search?allow_no_indices=true`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`search on ${index}: ${response.status} ${await response.text()}`);
    return response.json();
  };
  const to = new Date();
  const range = {
    from: new Date(to.getTime() - hours * 3_600_000),
    to,
    fixedInterval: hours <= 1 ? '1m' : hours <= 24 ? '10m' : '1h',
  };
  const rendered = [];
  for (const panel of PANELS) {
    const result = await renderPanel(panel, search, range);
    console.log(
      `  ${result.title.padEnd(30)} ${String(result.rows).padStart(4)} buckets  ${result.marks} marks`,
    );
    rendered.push(result);
  }
  const folder = join(REPO_ROOT, '.local', 'dashboards');
  mkdirSync(folder, { recursive: true });
  for (const panel of rendered) writeFileSync(join(folder, `${panel.id}.svg`), panel.svg);
  const page = join(folder, 'index.html');
  writeFileSync(page, dashboardPage('Karaoke Suite: service health', rendered, range));
  console.log(`wrote ${page}`);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
