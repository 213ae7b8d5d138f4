// The workspace tab as a React Flow canvas: nodes where the layout puts them, cables from
// output ports to inputs, drag to move, drop from the palette, Delete to remove. The
// workspace is the state; React Flow's own node list only adds what it measures.
import { ENTRY_TYPES, type FlowIssue, type NodeType, outputsOf, type Workspace } from '@switchboard/flows';
import {
  applyNodeChanges,
  Background,
  type Connection,
  Controls,
  type Edge,
  type EdgeChange,
  MarkerType,
  MiniMap,
  type NodeChange,
  ReactFlow,
  ReactFlowProvider,
  useReactFlow,
} from '@xyflow/react';
import { type DragEvent, type RefObject, useEffect, useMemo, useRef, useState } from 'react';
import type { FlowData } from './flow-data.ts';
import { type CanvasNode, FlowNodeView } from './flow-node.tsx';
import { nodeSummary } from './node-summary.ts';
import { connect, moveNode, removeEdges, removeNodes, tabOf } from './workspace-edit.ts';

export const DRAG_TYPE = 'application/x-switchboard-node';
const nodeTypes = { flow: FlowNodeView };

export interface CanvasProps {
  ws: Workspace;
  tab: string;
  data: FlowData | undefined;
  issues: FlowIssue[];
  sim: { current?: string | undefined; visited: ReadonlySet<string> };
  selected: string | null;
  readOnly: boolean;
  onSelect: (id: string | null) => void;
  onChange: (ws: Workspace) => void;
  onDropType: (type: NodeType, at: { x: number; y: number }) => void;
  /** Filled with a function giving the flow position at the middle of the view. */
  centerRef: RefObject<(() => { x: number; y: number }) | null>;
  /** A node to bring into view (stepping through a trace, clicking an issue). */
  focus: string | undefined;
}

export function Canvas(props: CanvasProps) {
  return (
    <ReactFlowProvider>
      <CanvasInner {...props} />
    </ReactFlowProvider>
  );
}

function CanvasInner(p: CanvasProps) {
  const { ws, tab, data, issues, sim, selected, readOnly, onSelect, onChange } = p;
  const flow = useReactFlow();
  const wrapper = useRef<HTMLDivElement>(null);
  const [selectedEdges, setSelectedEdges] = useState<ReadonlySet<string>>(new Set());

  const derived = useMemo(() => {
    const byNode = new Map<string, FlowIssue[]>();
    for (const i of issues) if (i.nodeId) byNode.set(i.nodeId, [...(byNode.get(i.nodeId) ?? []), i]);
    return ws.nodes
      .filter((n) => tabOf(ws, n.id) === tab)
      .map((n): CanvasNode => {
        const own = byNode.get(n.id) ?? [];
        const at = ws.layout[n.id] ?? { x: 0, y: 0 };
        return {
          id: n.id,
          type: 'flow',
          position: { x: at.x, y: at.y },
          selected: n.id === selected,
          deletable: !readOnly,
          data: {
            node: n,
            outputs: outputsOf(n),
            summary: nodeSummary(n, data),
            errors: own.filter((i) => i.severity === 'error').map((i) => i.message),
            warnings: own.filter((i) => i.severity === 'warning').map((i) => i.message),
            sim: sim.current === n.id ? 'current' : sim.visited.has(n.id) ? 'visited' : undefined,
          },
        };
      });
  }, [ws, tab, data, issues, sim, selected, readOnly]);

  // React Flow keeps the sizes it measured on its node objects: carry them over.
  const [nodes, setNodes] = useState<CanvasNode[]>(derived);
  useEffect(() => {
    setNodes((prev) => {
      const old = new Map(prev.map((n) => [n.id, n]));
      return derived.map((n) => ({ ...old.get(n.id), ...n }));
    });
  }, [derived]);

  const edges = useMemo<Edge[]>(() => {
    const shown = new Set(derived.map((n) => n.id));
    return ws.edges
      .filter((e) => shown.has(e.from) && shown.has(e.to))
      .map((e) => ({
        id: e.id,
        source: e.from,
        sourceHandle: e.output,
        target: e.to,
        targetHandle: 'in',
        selected: selectedEdges.has(e.id),
        deletable: !readOnly,
        markerEnd: { type: MarkerType.ArrowClosed },
        className: sim.visited.has(e.from) && sim.visited.has(e.to) ? 'sim-edge' : undefined,
      }));
  }, [ws.edges, derived, selectedEdges, readOnly, sim]);

  const dragged = useRef(new Map<string, { x: number; y: number }>());
  const onNodesChange = (changes: NodeChange<CanvasNode>[]) => {
    setNodes((nds) => applyNodeChanges(changes, nds));
    let next = ws;
    let nextSelected = selected;
    const removed = new Set<string>();
    for (const c of changes) {
      if (c.type === 'position') {
        if (c.position) dragged.current.set(c.id, c.position);
        const last = dragged.current.get(c.id);
        if (c.dragging === false && last) {
          next = moveNode(next, c.id, last.x, last.y);
          dragged.current.delete(c.id);
        }
      } else if (c.type === 'remove') removed.add(c.id);
      else if (c.type === 'select') {
        // One click brings "select this" and "deselect that" in either order.
        if (c.selected) nextSelected = c.id;
        else if (c.id === nextSelected) nextSelected = null;
      }
    }
    if (nextSelected !== selected) onSelect(nextSelected);
    if (removed.size) next = removeNodes(next, removed);
    if (next !== ws) onChange(next);
  };

  const onEdgesChange = (changes: EdgeChange[]) => {
    const removed = new Set(changes.filter((c) => c.type === 'remove').map((c) => c.id));
    if (removed.size) onChange(removeEdges(ws, removed));
    const sel = changes.filter((c) => c.type === 'select');
    if (sel.length)
      setSelectedEdges((cur) => {
        const out = new Set(cur);
        for (const c of sel) if (c.type === 'select') c.selected ? out.add(c.id) : out.delete(c.id);
        return out;
      });
  };

  const onConnect = (c: Connection) => {
    if (c.source && c.sourceHandle && c.target) onChange(connect(ws, c.source, c.sourceHandle, c.target));
  };
  const isValidConnection = (c: Connection | Edge) => {
    const target = ws.nodes.find((n) => n.id === c.target);
    return !!target && !ENTRY_TYPES.has(target.type);
  };

  const onDrop = (e: DragEvent) => {
    const type = e.dataTransfer.getData(DRAG_TYPE) as NodeType;
    if (!type || readOnly) return;
    e.preventDefault();
    p.onDropType(type, flow.screenToFlowPosition({ x: e.clientX, y: e.clientY }));
  };

  // The top left of the view, where nodes added from the palette's buttons start looking for room.
  p.centerRef.current = () => {
    const box = wrapper.current?.getBoundingClientRect();
    if (!box) return { x: 0, y: 0 };
    return flow.screenToFlowPosition({ x: box.left + 40, y: box.top + 40 });
  };

  // biome-ignore lint/correctness/useExhaustiveDependencies: refit when the tab changes only.
  useEffect(() => {
    const t = setTimeout(() => void flow.fitView({ padding: 0.2, maxZoom: 1 }), 50);
    return () => clearTimeout(t);
  }, [tab]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: follow the focused node only.
  useEffect(() => {
    if (!p.focus) return;
    const at = ws.layout[p.focus];
    if (at) void flow.setCenter(at.x + 100, at.y + 60, { zoom: flow.getZoom(), duration: 250 });
  }, [p.focus]);

  return (
    // biome-ignore lint/a11y/noStaticElementInteractions: a drop target for palette drags; keyboard users add with the palette's buttons.
    <div
      className="canvas"
      ref={wrapper}
      onDragOver={(e) => {
        if (e.dataTransfer.types.includes(DRAG_TYPE)) {
          e.preventDefault();
          e.dataTransfer.dropEffect = 'copy';
        }
      }}
      onDrop={onDrop}
    >
      <ReactFlow<CanvasNode, Edge>
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        isValidConnection={isValidConnection}
        onPaneClick={() => onSelect(null)}
        nodesDraggable={!readOnly}
        nodesConnectable={!readOnly}
        deleteKeyCode={readOnly ? null : ['Delete', 'Backspace']}
        minZoom={0.2}
        maxZoom={2}
        aria-label="Call flow canvas"
      >
        <Background gap={20} />
        <Controls showInteractive={false} />
        <MiniMap pannable zoomable ariaLabel="Overview of this tab" />
      </ReactFlow>
    </div>
  );
}
