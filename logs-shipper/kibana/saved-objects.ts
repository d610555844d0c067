/**
 * Generates `saved-objects.ndjson` (the data view, one Vega visualization per panel, and the
 * dashboard) from panels.ts, so the panels' queries exist once:
 *
 *   npx tsx logs-shipper/kibana/saved-objects.ts
 *
 * Load the file with Kibana's saved objects import (Stack Management › Saved objects › Import, or
 * `POST /api/saved_objects/_import?overwrite=true`).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { PANELS, type Panel } from './panels.ts';

export const SAVED_OBJECTS_FILE = fileURLToPath(new URL('./saved-objects.ndjson', import.meta.url));

/**
 * The daily indices of the default `LOGS_INDEX_PREFIX` and of no other prefix (`karaoke-logs-dev-…`
 * is another stage's); a deployment with another prefix edits the data view and panels.
 */
export const LOG_INDICES = 'karaoke-logs-2*';
export const DATA_VIEW_ID = 'karaoke-logs';
export const DASHBOARD_ID = 'karaoke-suite-service-health';

const emptySearchSource = JSON.stringify({ query: { query: '', language: 'kuery' }, filter: [] });

/** A Vega-Lite spec whose data is the panel's query, run in the dashboard's time range and filters. */
export function vegaSpec(panel: Panel) {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: panel.title,
    data: {
      url: { '%context%': true, '%timefield%': '@timestamp', index: LOG_INDICES, body: panel.body },
      format: { property: panel.rows },
    },
    ...panel.view,
  };
}

function visualization(panel: Panel) {
  return {
    id: panel.id,
    type: 'visualization',
    attributes: {
      title: panel.title,
      description: panel.description,
      visState: JSON.stringify({
        title: panel.title,
        type: 'vega',
        aggs: [],
        params: { spec: JSON.stringify(vegaSpec(panel), null, 2) },
      }),
      uiStateJSON: '{}',
      version: 1,
      kibanaSavedObjectMeta: { searchSourceJSON: emptySearchSource },
    },
    references: [],
    coreMigrationVersion: '8.8.0',
    typeMigrationVersion: '8.5.0',
    managed: false,
  };
}

function dashboard() {
  const panels = PANELS.map((_, position) => {
    const panelIndex = String(position + 1);
    return {
      type: 'visualization',
      panelIndex,
      gridData: { x: (position % 2) * 24, y: Math.floor(position / 2) * 15, w: 24, h: 15, i: panelIndex },
      embeddableConfig: { enhancements: {} },
      panelRefName: `panel_${panelIndex}`,
    };
  });
  return {
    id: DASHBOARD_ID,
    type: 'dashboard',
    attributes: {
      title: 'Karaoke Suite: service health',
      description:
        'Request rate, latency, errors, read cache, sync lag and dead-letter queues, from the logs.',
      panelsJSON: JSON.stringify(panels),
      optionsJSON: JSON.stringify({
        useMargins: true,
        syncColors: false,
        syncCursor: true,
        hidePanelTitles: false,
      }),
      timeRestore: true,
      timeFrom: 'now-24h',
      timeTo: 'now',
      refreshInterval: { pause: false, value: 60_000 },
      version: 1,
      kibanaSavedObjectMeta: { searchSourceJSON: emptySearchSource },
    },
    references: panels.map((panel, position) => ({
      name: `${panel.panelIndex}:${panel.panelRefName}`,
      type: 'visualization',
      id: PANELS[position]?.id,
    })),
    coreMigrationVersion: '8.8.0',
    typeMigrationVersion: '8.9.0',
    managed: false,
  };
}

const dataView = {
  id: DATA_VIEW_ID,
  type: 'index-pattern',
  attributes: { title: LOG_INDICES, name: 'Karaoke Suite logs', timeFieldName: '@timestamp' },
  references: [],
  coreMigrationVersion: '8.8.0',
  typeMigrationVersion: '8.0.0',
  managed: false,
};

/** The file's content: one saved object per line. */
export function savedObjectsNdjson(): string {
  const objects = [dataView, ...PANELS.map(visualization), dashboard()];
  return `${objects.map((object) => JSON.stringify(object)).join('\n')}\n`;
}

const invokedPath = process.argv[1];
if (invokedPath && import.meta.url === pathToFileURL(invokedPath).href) {
  writeFileSync(SAVED_OBJECTS_FILE, savedObjectsNdjson());
  console.log(`wrote ${SAVED_OBJECTS_FILE}`);
}
