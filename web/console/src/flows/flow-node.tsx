// A node on the canvas: its kind and name, what it does, its issues, an input on the left
// (entries have none) and one output port per outcome on the right.
import { ENTRY_TYPES, type FlowNode } from '@switchboard/flows';
import { Handle, type Node, type NodeProps, Position } from '@xyflow/react';
import { KIND, outputLabel } from './node-catalog.ts';

export interface FlowNodeData extends Record<string, unknown> {
  node: FlowNode;
  outputs: string[];
  summary: string;
  errors: string[];
  warnings: string[];
  sim?: 'current' | 'visited' | undefined;
}

export type CanvasNode = Node<FlowNodeData, 'flow'>;

export function FlowNodeView({ data, selected }: NodeProps<CanvasNode>) {
  const { node, outputs, summary, errors, warnings, sim } = data;
  const kind = KIND[node.type];
  const classes = [
    'fn',
    `fn-${kind?.group ?? 'data'}`,
    selected ? 'selected' : '',
    errors.length ? 'has-errors' : warnings.length ? 'has-warnings' : '',
    sim ? `sim-${sim}` : '',
  ]
    .filter(Boolean)
    .join(' ');
  const problems = [...errors, ...warnings];
  return (
    <div className={classes} data-node-id={node.id} title={problems.join('\n') || undefined}>
      {ENTRY_TYPES.has(node.type) ? null : (
        <Handle type="target" position={Position.Left} id="in" className="fn-in" />
      )}
      <div className="fn-head">
        <span className="fn-kind">{kind?.label ?? node.type}</span>
        {errors.length ? (
          <span className="fn-badge bad" role="img" aria-label={`${errors.length} error(s)`}>
            {errors.length}
          </span>
        ) : warnings.length ? (
          <span className="fn-badge warn" role="img" aria-label={`${warnings.length} warning(s)`}>
            {warnings.length}
          </span>
        ) : null}
      </div>
      <div className="fn-name">{node.name || node.id}</div>
      {summary ? <div className="fn-summary">{summary}</div> : null}
      {errors[0] ? <div className="fn-issue">{errors[0]}</div> : null}
      {outputs.length ? (
        <ul className="fn-outputs">
          {outputs.map((o) => (
            <li key={o}>
              {outputLabel(o, node.type)}
              <Handle type="source" position={Position.Right} id={o} className="fn-out" />
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
