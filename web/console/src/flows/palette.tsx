// The palette: every node type, grouped. Drag one onto the canvas, or press its Add button
// (it lands in the middle of the view): both reach the same result from mouse or keyboard.
import type { NodeType } from '@switchboard/flows';
import { DRAG_TYPE } from './canvas.tsx';
import { type Group, NODE_KINDS } from './node-catalog.ts';

const GROUPS: [Group, string][] = [
  ['entry', 'Entries'],
  ['audio', 'Audio and menus'],
  ['route', 'Routing'],
  ['connect', 'Connect the caller'],
  ['data', 'Data and notifications'],
  ['end', 'End'],
];

export function Palette({ onAdd, disabled }: { onAdd: (type: NodeType) => void; disabled: boolean }) {
  return (
    <nav className="palette" aria-label="Objects to add">
      {GROUPS.map(([group, title]) => (
        <section key={group}>
          <h3>{title}</h3>
          <ul>
            {NODE_KINDS.filter((k) => k.group === group).map((k) => (
              <li
                key={k.type}
                className={`palette-item fn-${group}`}
                draggable={!disabled}
                onDragStart={(e) => {
                  e.dataTransfer.setData(DRAG_TYPE, k.type);
                  e.dataTransfer.effectAllowed = 'copy';
                }}
                title={k.description}
                data-type={k.type}
              >
                <span className="palette-label">{k.label}</span>
                <button
                  type="button"
                  className="btn small"
                  disabled={disabled}
                  onClick={() => onAdd(k.type)}
                  aria-label={`Add ${k.label}`}
                >
                  Add
                </button>
              </li>
            ))}
          </ul>
        </section>
      ))}
    </nav>
  );
}
