import type { SegmentDocument } from '#lib/trace';

/** One segment or subsegment of a trace, with its children, wherever it was sent from. */
export interface TraceNode {
  id: string;
  parentId: string | undefined;
  name: string;
  /** A hop's segment (a function serving a request) rather than a subsegment inside one. */
  segment: boolean;
  start: number;
  end: number | undefined;
  error: boolean;
  fault: boolean;
  throttle: boolean;
  status: number | undefined;
  detail: string | undefined;
  children: TraceNode[];
}

/**
 * The tree of one trace's documents: segments (each with nested subsegments) and subsegments sent
 * on their own (a Lambda facade's), joined by `parent_id`. Roots are the nodes whose parent is in no
 * document (the first hop, or a hop whose caller was not traced).
 */
export function traceTree(documents: readonly SegmentDocument[]): TraceNode[] {
  const nodes = new Map<string, TraceNode>();
  const visit = (document: SegmentDocument, parentId: string | undefined, segment: boolean) => {
    const node: TraceNode = {
      id: document.id,
      parentId,
      name: document.name,
      segment,
      start: document.start_time,
      end: document.end_time,
      error: document.error === true,
      fault: document.fault === true,
      throttle: document.throttle === true,
      status: document.http?.response?.status,
      detail: detailOf(document),
      children: [],
    };
    nodes.set(node.id, node);
    for (const child of document.subsegments ?? []) visit(child, node.id, false);
  };
  for (const document of documents) {
    visit(document, document.parent_id, document.type !== 'subsegment');
  }
  const roots: TraceNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.parentId ? nodes.get(node.parentId) : undefined;
    if (parent) parent.children.push(node);
    else roots.push(node);
  }
  const byStart = (a: TraceNode, b: TraceNode) => a.start - b.start;
  for (const node of nodes.values()) node.children.sort(byStart);
  return roots.sort(byStart);
}

function detailOf(document: SegmentDocument): string | undefined {
  if (document.sql) return String(document.sql.sanitized_query ?? '').slice(0, 80);
  if (document.aws?.operation) return String(document.aws.operation);
  const request = document.http?.request;
  if (request?.method || request?.url) return `${request.method ?? ''} ${request.url ?? ''}`.trim();
  const command = document.metadata?.default?.command;
  return command === undefined ? undefined : String(command);
}

/** Every node of the trees, depth first. */
export function flatten(roots: readonly TraceNode[]): TraceNode[] {
  return roots.flatMap((root) => [root, ...flatten(root.children)]);
}

/** The tree as text: one line per node, indented, with its offset from the trace's start and its duration. */
export function formatTrace(roots: readonly TraceNode[]): string {
  const all = flatten(roots);
  if (all.length === 0) return '(no segments)';
  const origin = Math.min(...all.map((node) => node.start));
  const lines: string[] = [];
  const walk = (node: TraceNode, depth: number) => {
    const at = `+${((node.start - origin) * 1000).toFixed(1)} ms`.padStart(12);
    const took = node.end === undefined ? 'in progress' : `${((node.end - node.start) * 1000).toFixed(1)} ms`;
    const flags = [
      node.status === undefined ? '' : String(node.status),
      node.fault ? 'FAULT' : '',
      node.error ? 'ERROR' : '',
      node.throttle ? 'THROTTLE' : '',
    ]
      .filter(Boolean)
      .join(' ');
    const label = node.segment ? `[${node.name}]` : node.name;
    lines.push(
      `${at}  ${took.padStart(10)}  ${'  '.repeat(depth)}${label}${node.detail ? `  ${node.detail}` : ''}${flags ? `  (${flags})` : ''}`,
    );
    for (const child of node.children) walk(child, depth + 1);
  };
  for (const root of roots) walk(root, 0);
  return lines.join('\n');
}
