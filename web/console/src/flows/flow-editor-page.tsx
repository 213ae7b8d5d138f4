// The call-flow editor (loaded on demand): palette, canvas with workspace tabs, and a side
// panel for the selected object's properties, Simulate, every path, flow tests and
// versions. The draft is validated locally on every change with the same code the server
// runs (src/flows), saved with PUT, and published as a numbered version.
import {
  type FlowIssue,
  type NodeType,
  parseWorkspace,
  validateWorkspace,
  type Workspace,
} from '@switchboard/flows';
import '@xyflow/react/dist/style.css';
import './flow-editor.css';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { call } from '../api/client.ts';
import { useAction, useQuery } from '../api/hooks.ts';
import type { Prompt } from '../prompts/prompt-forms.tsx';
import { canWrite, useReadyMarker, useRole } from '../session.tsx';
import { Badge, ErrorNote, Loading } from '../ui/feedback.tsx';
import { Page, TabBar } from '../ui/layout.tsx';
import { Canvas } from './canvas.tsx';
import { type FlowData, loadFlowData } from './flow-data.ts';
import { KIND } from './node-catalog.ts';
import { Palette } from './palette.tsx';
import { PathsPanel } from './paths-panel.tsx';
import { PropertiesPanel } from './properties-panel.tsx';
import { PublishDialog } from './publish-dialog.tsx';
import { SimulatePanel } from './simulate-panel.tsx';
import { TabsBar } from './tabs-bar.tsx';
import { TestsPanel } from './tests-panel.tsx';
import { useHistory } from './use-history.ts';
import { VersionsPanel } from './versions-panel.tsx';
import { addNode, placeNew } from './workspace-edit.ts';

type Side = 'properties' | 'simulate' | 'paths' | 'tests' | 'versions';
const SIDES = [
  { id: 'properties', label: 'Properties' },
  { id: 'simulate', label: 'Simulate' },
  { id: 'paths', label: 'Every path' },
  { id: 'tests', label: 'Tests' },
  { id: 'versions', label: 'Versions' },
];

export default function FlowEditorPage() {
  const full = useRole() !== 'agent';
  const loaded = useQuery(
    async (signal) => {
      const [draft, data] = await Promise.all([
        call('GET /api/workspace', { signal }),
        loadFlowData(signal, full),
      ]);
      return { draft, data };
    },
    [full],
  );
  if (!loaded.data)
    return (
      <Page title="Call flows">
        {loaded.error ? (
          <ErrorNote error={loaded.error} onRetry={loaded.reload} />
        ) : (
          <Loading label="Loading the call flows…" />
        )}
      </Page>
    );
  return <Editor key={loaded.data.draft.updatedAt ?? 'new'} initial={loaded.data} onReload={loaded.reload} />;
}

function Editor({
  initial,
  onReload,
}: {
  initial: {
    draft: { draft: Record<string, unknown>; publishedVersion: number | null; issues: FlowIssue[] };
    data: FlowData;
  };
  onReload: () => void;
}) {
  const role = useRole();
  const readOnly = !canWrite(role, 'flows');
  const parsed = useMemo(() => parseWorkspace(initial.draft.draft), [initial]);
  const history = useHistory<Workspace>(() =>
    parsed.ok ? parsed.workspace : { tabs: [{ id: 'main', name: 'Main' }], nodes: [], edges: [], layout: {} },
  );
  const ws = history.present;
  const setWs = useCallback((next: Workspace) => history.change(next), [history.change]);
  // Typing into one object's fields is one step to undo; a change of its cables is a step of its own.
  const setWsFromProperties = (next: Workspace) =>
    history.change(
      next,
      next.nodes.length === ws.nodes.length && JSON.stringify(next.edges) === JSON.stringify(ws.edges)
        ? `props:${selected}`
        : undefined,
    );
  const [data, setData] = useState<FlowData>(initial.data);
  const [savedJson, setSavedJson] = useState(() => JSON.stringify(ws));
  const [checked, setChecked] = useState<{ json: string; issues: FlowIssue[]; note: string }>();
  const [published, setPublished] = useState(initial.draft.publishedVersion);
  const [tab, setTab] = useState(ws.tabs[0]?.id ?? 'main');
  const [selected, setSelected] = useState<string | null>(null);
  const [side, setSide] = useState<Side>('properties');
  const [sim, setSim] = useState<{ current?: string | undefined; visited: ReadonlySet<string> }>({
    visited: new Set(),
  });
  const [focus, setFocus] = useState<string>();
  const [revision, setRevision] = useState(0);
  const [publishing, setPublishing] = useState(false);
  const centerRef = useRef<(() => { x: number; y: number }) | null>(null);
  const save = useAction();
  const validate = useAction();
  useReadyMarker(true);

  const json = useMemo(() => JSON.stringify(ws), [ws]);
  const dirty = json !== savedJson;
  // Agents cannot read the numbers and lines validation checks: they see the server's issues.
  const issues = useMemo(
    () =>
      checked?.json === json
        ? checked.issues
        : readOnly
          ? initial.draft.issues
          : validateWorkspace(ws, data.refs),
    [checked, json, ws, data, readOnly, initial],
  );
  const errors = issues.filter((i) => i.severity === 'error');

  // Ctrl/Cmd+Z undoes, Ctrl/Cmd+Shift+Z (or Ctrl+Y) redoes, outside text fields.
  useEffect(() => {
    if (readOnly) return;
    const onKey = (e: KeyboardEvent) => {
      const target = e.target as HTMLElement | null;
      if (!(e.ctrlKey || e.metaKey) || target?.closest('input, textarea, select')) return;
      const key = e.key.toLowerCase();
      if (key === 'z' && !e.shiftKey) history.undo();
      else if ((key === 'z' && e.shiftKey) || key === 'y') history.redo();
      else return;
      e.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [readOnly, history.undo, history.redo]);

  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => e.preventDefault();
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);

  const ensureSaved = useCallback(async (): Promise<boolean> => {
    if (!dirty) return true;
    const body = { draft: ws as unknown as Record<string, unknown> };
    const r = await save.run(() => call('PUT /api/workspace', { body }));
    if (!r) return false;
    setSavedJson(json);
    setChecked({ json, issues: r.issues, note: '' });
    return true;
  }, [dirty, ws, json, save]);

  const runValidate = async () => {
    const r = await validate.run(() =>
      call('POST /api/workspace/validate', { body: { draft: ws as unknown as Record<string, unknown> } }),
    );
    if (r)
      setChecked({
        json,
        issues: r.issues,
        note: r.valid
          ? 'No errors: ready to publish.'
          : `${r.issues.filter((i) => i.severity === 'error').length} error(s) to fix before publishing.`,
      });
  };

  const add = (type: NodeType, at?: { x: number; y: number }) => {
    const kind = KIND[type];
    const pos = at ?? placeNew(ws, tab, selected, centerRef.current?.() ?? { x: 0, y: 0 });
    const r = addNode(ws, type, kind.label, kind.initial(data), { tab, ...pos });
    setWs(r.ws);
    setSelected(r.id);
    setSide('properties');
    if (!at) setFocus(r.id);
  };

  const highlight = useCallback((current: string | undefined, visited: ReadonlySet<string>) => {
    setSim({ current, visited });
    if (current) setFocus(current);
  }, []);
  // Stepping to a node on another tab shows that tab.
  useEffect(() => {
    if (!focus) return;
    const t = ws.layout[focus]?.tab;
    if (t && t !== tab) setTab(t);
  }, [focus, ws.layout, tab]);

  const promptCreated = (p: Prompt) =>
    setData((d) => ({
      ...d,
      prompts: [...d.prompts, p],
      refs: { ...d.refs, prompts: new Set([...d.refs.prompts, p.id]) },
    }));

  const node = selected ? ws.nodes.find((n) => n.id === selected) : undefined;

  return (
    <Page
      title="Call flows"
      actions={
        <>
          <span className="status-line" role="status">
            {published ? <Badge tone="ok">version {published} live</Badge> : <Badge>nothing published</Badge>}{' '}
            {dirty ? <Badge tone="warn">unsaved changes</Badge> : <Badge>saved</Badge>}{' '}
            {errors.length ? (
              <Badge tone="bad">{errors.length} error(s)</Badge>
            ) : (
              <Badge tone="ok">no errors</Badge>
            )}
          </span>
          {readOnly ? null : (
            <>
              <button
                type="button"
                className="btn"
                onClick={history.undo}
                disabled={!history.canUndo}
                title="Ctrl+Z"
              >
                Undo
              </button>
              <button
                type="button"
                className="btn"
                onClick={history.redo}
                disabled={!history.canRedo}
                title="Ctrl+Shift+Z"
              >
                Redo
              </button>
              <button
                type="button"
                className="btn"
                onClick={() => void ensureSaved()}
                disabled={!dirty || save.pending}
              >
                {save.pending ? 'Saving…' : 'Save draft'}
              </button>
              <button
                type="button"
                className="btn"
                onClick={() => void runValidate()}
                disabled={validate.pending}
              >
                Validate
              </button>
              <button type="button" className="btn primary" onClick={() => setPublishing(true)}>
                Publish
              </button>
            </>
          )}
        </>
      }
    >
      <ErrorNote error={save.error ?? validate.error} />
      {checked?.json === json && checked.note ? <p className="saved">{checked.note}</p> : null}
      {!parsed.ok ? (
        <p className="form-error" role="alert">
          The stored draft could not be read: {parsed.issues.map((i) => i.message).join('; ')}
        </p>
      ) : null}
      <div className="editor">
        {readOnly ? null : <Palette onAdd={(t) => add(t)} disabled={readOnly} />}
        <div className="editor-main">
          <TabsBar ws={ws} current={tab} readOnly={readOnly} onSelect={setTab} onChange={setWs} />
          <Canvas
            ws={ws}
            tab={tab}
            data={data}
            issues={issues}
            sim={sim}
            selected={selected}
            readOnly={readOnly}
            onSelect={(id) => {
              setSelected(id);
              if (id) setSide('properties');
            }}
            onChange={setWs}
            onDropType={(t, at) => add(t, at)}
            centerRef={centerRef}
            focus={focus}
          />
          <IssueList
            issues={issues}
            ws={ws}
            onPick={(id) => {
              setSelected(id);
              setSide('properties');
              setFocus(id);
            }}
          />
        </div>
        <aside className="side" aria-label="Flow tools">
          <TabBar tabs={SIDES} current={side} onSelect={(s) => setSide(s as Side)} />
          {side === 'properties' ? (
            node ? (
              <PropertiesPanel
                node={node}
                ws={ws}
                data={data}
                issues={issues}
                readOnly={readOnly}
                onChange={setWsFromProperties}
                onSelect={setSelected}
                onPromptCreated={promptCreated}
              />
            ) : (
              <p className="muted">
                Select an object on the canvas to see its settings
                {readOnly ? '' : ', or add one from the palette (drag it, or press its Add button)'}. Cables
                go from an output on the right of an object to the input on the left of another.
              </p>
            )
          ) : side === 'simulate' ? (
            <SimulatePanel
              ws={ws}
              data={data}
              ensureSaved={ensureSaved}
              highlight={highlight}
              onTestSaved={() => setRevision((r) => r + 1)}
            />
          ) : side === 'paths' ? (
            <PathsPanel ensureSaved={ensureSaved} highlight={highlight} data={data} />
          ) : side === 'tests' ? (
            <TestsPanel ensureSaved={ensureSaved} version={revision} />
          ) : (
            <VersionsPanel version={revision} writable={!readOnly} onRolledBack={onReload} />
          )}
        </aside>
      </div>
      {publishing ? (
        <PublishDialog
          ensureSaved={ensureSaved}
          onClose={() => setPublishing(false)}
          onPublished={(v, warnings) => {
            setPublished(v);
            setRevision((r) => r + 1);
            setChecked({ json, issues: warnings, note: `Version ${v} is live: new calls follow it now.` });
            setPublishing(false);
          }}
          onRefused={(list) => setChecked({ json, issues: list, note: '' })}
        />
      ) : null}
    </Page>
  );
}

function IssueList({
  issues,
  ws,
  onPick,
}: {
  issues: FlowIssue[];
  ws: Workspace;
  onPick: (id: string) => void;
}) {
  if (!issues.length) return null;
  const name = (id: string) => ws.nodes.find((n) => n.id === id)?.name || id;
  return (
    <details className="issue-list" open={issues.length <= 6}>
      <summary>
        {issues.filter((i) => i.severity === 'error').length} error(s),{' '}
        {issues.filter((i) => i.severity === 'warning').length} warning(s)
      </summary>
      <ul>
        {issues.map((i, n) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: issues are recomputed whole on every change.
          <li key={n} className={i.severity}>
            {i.nodeId ? (
              <button type="button" className="link" onClick={() => onPick(i.nodeId as string)}>
                {name(i.nodeId)}
              </button>
            ) : null}{' '}
            {i.message}
          </li>
        ))}
      </ul>
    </details>
  );
}
