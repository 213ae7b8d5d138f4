// The workspace's tabs: switch, add, rename and remove (removing a tab removes its objects).
import type { Workspace } from '@switchboard/flows';
import { useState } from 'react';
import { TextField } from '../ui/forms.tsx';
import { Confirm } from '../ui/layout.tsx';
import { addTab, removeTab, renameTab, tabOf } from './workspace-edit.ts';

export function TabsBar({
  ws,
  current,
  readOnly,
  onSelect,
  onChange,
}: {
  ws: Workspace;
  current: string;
  readOnly: boolean;
  onSelect: (id: string) => void;
  onChange: (ws: Workspace) => void;
}) {
  const [renaming, setRenaming] = useState(false);
  const [removing, setRemoving] = useState(false);
  const tab = ws.tabs.find((t) => t.id === current);
  const count = ws.nodes.filter((n) => tabOf(ws, n.id) === current).length;
  return (
    <div className="ws-tabs">
      <div className="tabs" role="tablist" aria-label="Workspace tabs">
        {ws.tabs.map((t) => (
          <button
            key={t.id}
            type="button"
            role="tab"
            aria-selected={t.id === current}
            className={t.id === current ? 'tab active' : 'tab'}
            onClick={() => onSelect(t.id)}
          >
            {t.name || t.id}
          </button>
        ))}
        {readOnly ? null : (
          <button
            type="button"
            className="tab add"
            onClick={() => {
              const r = addTab(ws, `Tab ${ws.tabs.length + 1}`);
              onChange(r.ws);
              onSelect(r.id);
            }}
          >
            + Tab
          </button>
        )}
      </div>
      {readOnly || !tab ? null : (
        <div className="tab-actions">
          {renaming ? (
            <TextField
              label="Tab name"
              value={tab.name}
              onValue={(name) => onChange(renameTab(ws, tab.id, name))}
              onBlur={() => setRenaming(false)}
              onKeyDown={(e) => e.key === 'Enter' && setRenaming(false)}
              autoFocus
            />
          ) : (
            <button type="button" className="btn small" onClick={() => setRenaming(true)}>
              Rename tab
            </button>
          )}
          {ws.tabs.length > 1 ? (
            <button type="button" className="btn small danger" onClick={() => setRemoving(true)}>
              Remove tab
            </button>
          ) : null}
        </div>
      )}
      {removing && tab ? (
        <Confirm
          title={`Remove the tab “${tab.name}”?`}
          message={`Its ${count} object(s) and their cables are removed from the draft.`}
          confirm="Remove tab"
          onConfirm={() => {
            onChange(removeTab(ws, tab.id));
            onSelect(ws.tabs.find((t) => t.id !== tab.id)?.id ?? 'main');
            setRemoving(false);
          }}
          onClose={() => setRemoving(false)}
        />
      ) : null}
    </div>
  );
}
