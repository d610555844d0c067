import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import { type Panel, withFixedInterval } from './panels.ts';
import { vegaSpec } from './saved-objects.ts';

/** Runs an Elasticsearch search body on `index` and answers the response JSON. */
export type Search = (index: string, body: unknown) => Promise<unknown>;

export interface TimeRange {
  from: Date;
  to: Date;
  /** What Kibana's `%autointerval%` becomes for this range (`1m`, `1h`). */
  fixedInterval: string;
}

export interface RenderedPanel {
  id: string;
  title: string;
  svg: string;
  /** Data marks drawn (points, bars, line and area segments), axes and legends not counted. */
  marks: number;
  rows: number;
}

interface KibanaUrl {
  '%context%'?: boolean;
  '%timefield%'?: string;
  index: string;
  body: Record<string, unknown>;
}

/**
 * Draws one panel as Kibana's Vega would: the spec's Elasticsearch `data.url` is run here (inside the
 * time range, as `%context%` and `%timefield%` ask, with `%autointerval%` fixed) and its rows at
 * `format.property` become the data's `values`; then Vega-Lite compiles it and Vega renders it to SVG
 * headless. A spec Vega cannot compile or run throws.
 */
export async function renderPanel(
  panel: Panel,
  search: Search,
  range: TimeRange,
  spec: Record<string, unknown> = vegaSpec(panel),
): Promise<RenderedPanel> {
  const data = spec.data as { url: KibanaUrl; format?: { property?: string } };
  const { url } = data;
  const body = withFixedInterval(url.body, range.fixedInterval);
  const timeField = url['%timefield%'] ?? '@timestamp';
  const query = url['%context%']
    ? {
        bool: {
          filter: [
            {
              range: {
                [timeField]: {
                  gte: range.from.toISOString(),
                  lte: range.to.toISOString(),
                  format: 'strict_date_optional_time',
                },
              },
            },
          ],
        },
      }
    : undefined;
  const response = await search(url.index, { ...body, ...(query ? { query } : {}) });
  const rows = pathOf(response, data.format?.property);
  if (!Array.isArray(rows)) {
    throw new Error(`${panel.id}: no rows at ${data.format?.property} in the Elasticsearch response`);
  }
  const local = { ...spec, data: { values: rows } } as TopLevelSpec;
  const compiled = compile(local).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none', logLevel: vega.Error });
  const errors: string[] = [];
  view.logger({
    level: () => vega.Warn,
    error: (...args: unknown[]) => errors.push(args.map(String).join(' ')),
    warn: (...args: unknown[]) => errors.push(args.map(String).join(' ')),
    info: () => {},
    debug: () => {},
  } as never);
  await view.runAsync();
  const svg = await view.toSVG();
  view.finalize();
  if (errors.length > 0) throw new Error(`${panel.id}: ${errors.join('; ')}`);
  return {
    id: panel.id,
    title: panel.title,
    svg,
    marks: countMarks((view.scenegraph() as unknown as { root: SceneNode }).root),
    rows: rows.length,
  };
}

interface SceneNode {
  marktype?: string;
  role?: string;
  items?: SceneNode[];
  x?: number;
  y?: number;
}

/** Items of the data marks in a scenegraph, with a position (a line with no defined point draws nothing). */
function countMarks(node: SceneNode, inGuide = false): number {
  const guide = inGuide || /axis|legend|title/.test(node.role ?? '');
  let count = 0;
  if (node.marktype && !guide && node.role === 'mark') {
    count += (node.items ?? []).filter((item) => Number.isFinite(item.x) && Number.isFinite(item.y)).length;
  }
  for (const child of node.items ?? []) count += countMarks(child, guide);
  return count;
}

function pathOf(value: unknown, path: string | undefined): unknown {
  if (!path) return value;
  return path
    .split('.')
    .reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], value);
}

/** One HTML page with every rendered panel, as the dashboard lays them out (two per row). */
export function dashboardPage(title: string, panels: readonly RenderedPanel[], range: TimeRange): string {
  const escapeHtml = (text: string) => text.replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);
  const cells = panels
    .map(
      (panel) =>
        `<figure><figcaption>${escapeHtml(panel.title)} <small>(${panel.rows} buckets, ${panel.marks} marks)</small></figcaption>${panel.svg}</figure>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:sans-serif;margin:1rem}main{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:1rem}figure{margin:0;border:1px solid #ddd;padding:.5rem}</style>
</head><body><h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(range.from.toISOString())} – ${escapeHtml(range.to.toISOString())}, interval ${escapeHtml(range.fixedInterval)}</p>
<main>
${cells}
</main></body></html>
`;
}
