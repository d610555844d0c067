import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LOG_FIELDS } from '../index-template.ts';
import { AUTO_INTERVAL, PANELS, withFixedInterval } from './panels.ts';
import {
  DASHBOARD_ID,
  DATA_VIEW_ID,
  LOG_INDICES,
  SAVED_OBJECTS_FILE,
  savedObjectsNdjson,
} from './saved-objects.ts';

interface SavedObject {
  id: string;
  type: string;
  attributes: Record<string, unknown>;
  references: Array<{ id: string; type: string; name: string }>;
}

const objects = readFileSync(SAVED_OBJECTS_FILE, 'utf8')
  .trim()
  .split('\n')
  .map((line) => JSON.parse(line) as SavedObject);

/** Every `field` named anywhere in a query body. */
const fieldsOf = (node: unknown): string[] => {
  if (Array.isArray(node)) return node.flatMap(fieldsOf);
  if (typeof node !== 'object' || node === null) return [];
  return Object.entries(node).flatMap(([key, value]) => [
    ...(key === 'field' && typeof value === 'string' ? [value] : []),
    ...(['exists', 'range', 'term'].includes(key) && typeof value === 'object' && value !== null
      ? Object.keys(value).filter((name) => name !== 'field')
      : []),
    ...fieldsOf(value),
  ]);
};

describe('Kibana saved objects', () => {
  it('are the file generated from panels.ts (regenerate with `npx tsx logs-shipper/kibana/saved-objects.ts`)', () => {
    expect(readFileSync(SAVED_OBJECTS_FILE, 'utf8')).toBe(savedObjectsNdjson());
  });

  it('hold a data view over the log indices, timed by @timestamp', () => {
    expect(objects.find((object) => object.id === DATA_VIEW_ID)).toMatchObject({
      type: 'index-pattern',
      attributes: { title: LOG_INDICES, timeFieldName: '@timestamp' },
    });
  });

  it('hold a dashboard whose every panel reference resolves to a visualization in the file', () => {
    const dashboard = objects.find((object) => object.id === DASHBOARD_ID);
    expect(dashboard?.type).toBe('dashboard');
    const panels = JSON.parse(String(dashboard?.attributes.panelsJSON)) as Array<{
      panelRefName: string;
      panelIndex: string;
    }>;
    expect(panels).toHaveLength(PANELS.length);
    for (const panel of panels) {
      const reference = dashboard?.references.find(
        (ref) => ref.name === `${panel.panelIndex}:${panel.panelRefName}`,
      );
      expect(objects.find((object) => object.id === reference?.id)?.type).toBe('visualization');
    }
    expect(PANELS.map((panel) => panel.title)).toEqual([
      'Request rate',
      'Latency percentiles',
      'Error rate',
      'Cache hit ratio',
      'Sync lag',
      'DLQ depth',
      'Search zero-result rate',
      'Rotation advances per night',
    ]);
  });

  it("run each panel's query as it is kept in panels.ts, in the dashboard's context", () => {
    for (const panel of PANELS) {
      const visualization = objects.find((object) => object.id === panel.id);
      const visState = JSON.parse(String(visualization?.attributes.visState));
      expect(visState.type).toBe('vega');
      const spec = JSON.parse(visState.params.spec);
      expect(spec.data.url).toEqual({
        '%context%': true,
        '%timefield%': '@timestamp',
        index: LOG_INDICES,
        body: panel.body,
      });
      expect(spec.data.format.property).toBe(panel.rows);
    }
  });

  it('only query fields the index template maps', () => {
    const mapped = Object.keys(LOG_FIELDS);
    for (const panel of PANELS) {
      for (const field of fieldsOf(panel.body)) expect(mapped, `${panel.id}: ${field}`).toContain(field);
    }
  });
});

describe('withFixedInterval', () => {
  it("replaces Kibana's auto interval the way Kibana does, leaving the rest alone", () => {
    const body = {
      aggs: {
        t: {
          date_histogram: { field: '@timestamp', interval: AUTO_INTERVAL },
          aggs: { x: { max: { field: 'a' } } },
        },
      },
    };
    expect(withFixedInterval(body, '1m')).toEqual({
      aggs: {
        t: {
          date_histogram: { field: '@timestamp', fixed_interval: '1m' },
          aggs: { x: { max: { field: 'a' } } },
        },
      },
    });
  });
});
