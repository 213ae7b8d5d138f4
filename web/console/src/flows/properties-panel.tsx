// The selected node's properties: its name, its settings (with validation messages at the
// field they concern), where each output goes (a keyboard way to draw cables, across tabs
// too), and removing it.
import {
  ENTRY_TYPES,
  type FlowIssue,
  type FlowNode,
  type NodeType,
  outputsOf,
  type Workspace,
} from '@switchboard/flows';
import type { ComponentType } from 'react';
import type { Prompt } from '../prompts/prompt-forms.tsx';
import { SelectField, TextField } from '../ui/forms.tsx';
import type { FlowData } from './flow-data.ts';
import { QueueForm, RingForm, VoicemailForm } from './forms/connect-forms.tsx';
import type { Config, NodeFormProps } from './forms/kit.tsx';
import { MenuForm } from './forms/menu-form.tsx';
import { ScheduleForm } from './forms/schedule-form.tsx';
import {
  EmailForm,
  ForwardPhoneForm,
  ForwardSipForm,
  HistoryForm,
  HttpForm,
  InternalNumberForm,
  LookupForm,
  NumberForm,
  PlayForm,
  RecordForm,
  RewriteForm,
} from './forms/simple-forms.tsx';
import { KIND, outputLabel } from './node-catalog.ts';
import { connect, removeNodes, tabOf, updateNode } from './workspace-edit.ts';

const FORMS: Record<NodeType, ComponentType<NodeFormProps> | null> = {
  number: NumberForm,
  'internal-number': InternalNumberForm,
  play: PlayForm,
  menu: MenuForm,
  schedule: ScheduleForm,
  ring: RingForm,
  queue: QueueForm,
  'forward-phone': ForwardPhoneForm,
  'forward-sip': ForwardSipForm,
  voicemail: VoicemailForm,
  record: RecordForm,
  http: HttpForm,
  lookup: LookupForm,
  rewrite: RewriteForm,
  email: EmailForm,
  history: HistoryForm,
  hangup: null,
};

export function PropertiesPanel({
  node,
  ws,
  data,
  issues,
  readOnly,
  onChange,
  onSelect,
  onPromptCreated,
}: {
  node: FlowNode;
  ws: Workspace;
  data: FlowData | undefined;
  issues: FlowIssue[];
  readOnly: boolean;
  onChange: (ws: Workspace) => void;
  onSelect: (id: string | null) => void;
  onPromptCreated: (p: Prompt) => void;
}) {
  const own = issues.filter((i) => i.nodeId === node.id);
  const config = (node.config && typeof node.config === 'object' ? node.config : {}) as Config;
  const err = (field: string) => {
    const found = own.filter((i) => (i.field ?? '') === field && !i.output);
    return found.length ? found.map((i) => i.message).join('; ') : undefined;
  };
  const set = (patch: Config) => {
    const next: Config = { ...config };
    for (const [k, v] of Object.entries(patch)) {
      if (v === undefined) delete next[k];
      else next[k] = v;
    }
    onChange(updateNode(ws, node.id, { config: next }));
  };
  const Form = FORMS[node.type];
  const kind = KIND[node.type];
  const targets = ws.nodes.filter((n) => !ENTRY_TYPES.has(n.type) && n.id !== node.id);
  const tabName = (id: string) => ws.tabs.find((t) => t.id === tabOf(ws, id))?.name ?? '';
  const general = own;

  return (
    <div className="properties">
      <div className="panel-head">
        <h2>{kind?.label ?? node.type}</h2>
        <button
          type="button"
          className="btn icon"
          aria-label="Close properties"
          onClick={() => onSelect(null)}
        >
          ×
        </button>
      </div>
      <p className="hint">{kind?.description}</p>
      {general.length ? (
        <ul className="issues" aria-label="Problems with this object">
          {general.map((i) => (
            <li key={`${i.code}-${i.message}`} className={i.severity}>
              {i.message}
            </li>
          ))}
        </ul>
      ) : null}
      <TextField
        label="Name"
        value={node.name}
        onValue={(name) => onChange(updateNode(ws, node.id, { name }))}
        maxLength={200}
        disabled={readOnly}
      />
      {Form ? (
        <Form
          c={config}
          set={set}
          err={err}
          data={data}
          readOnly={readOnly}
          onPromptCreated={onPromptCreated}
        />
      ) : null}
      {outputsOf(node).length ? (
        <fieldset className="inner outputs">
          <legend>Outputs</legend>
          {outputsOf(node).map((output) => {
            const cable = ws.edges.find((e) => e.from === node.id && e.output === output);
            const problem = own.find((i) => i.output === output);
            return (
              <SelectField
                key={output}
                label={`When ${outputLabel(output, node.type)}, go to`}
                value={cable?.to ?? ''}
                onValue={(to) => onChange(connect(ws, node.id, output, to || null))}
                options={[
                  { value: '', label: '— not connected —' },
                  ...targets.map((t) => ({
                    value: t.id,
                    label: `${t.name || t.id} (${KIND[t.type]?.label ?? t.type}${ws.tabs.length > 1 ? `, ${tabName(t.id)}` : ''})`,
                  })),
                ]}
                error={problem?.message}
                disabled={readOnly}
              />
            );
          })}
        </fieldset>
      ) : null}
      {readOnly ? null : (
        <button
          type="button"
          className="btn danger"
          onClick={() => {
            onChange(removeNodes(ws, new Set([node.id])));
            onSelect(null);
          }}
        >
          Remove this object
        </button>
      )}
    </div>
  );
}
