// Every path: for each entry, every way a call can go (the server walks each branch), what
// the caller hears on it and how it ends. Choosing a path highlights it on the canvas.
import { useState } from 'react';
import { call, type Response } from '../api/client.ts';
import { useAction } from '../api/hooks.ts';
import { Empty } from '../ui/feedback.tsx';
import { FormError } from '../ui/forms.tsx';
import { type FlowData, withNames } from './flow-data.ts';
import type { Highlight } from './simulate-panel.tsx';

type Paths = Response<'GET /api/workspace/paths'>;

export function PathsPanel({
  ensureSaved,
  highlight,
  data,
}: {
  ensureSaved: () => Promise<boolean>;
  highlight: Highlight;
  data: FlowData | undefined;
}) {
  const [paths, setPaths] = useState<Paths>();
  const [chosen, setChosen] = useState<string>();
  const action = useAction();
  const load = async () => {
    const r = await action.run(async () =>
      (await ensureSaved()) ? call('GET /api/workspace/paths', { query: {} }) : undefined,
    );
    if (r) setPaths(r);
  };
  return (
    <div className="paths">
      <button type="button" className="btn primary" onClick={() => void load()} disabled={action.pending}>
        {action.pending ? 'Walking the flow…' : paths ? 'List again' : 'List every path'}
      </button>
      <FormError error={action.error} />
      {paths && paths.entries.length === 0 ? (
        <Empty>No entry objects: add a Phone number or Internal number.</Empty>
      ) : null}
      {paths?.entries.map((entry) => (
        <section key={entry.entryNodeId} className="path-entry">
          <h3>{entry.entryName || entry.entryNodeId}</h3>
          <ol>
            {entry.paths.map((path, i) => {
              const key = `${entry.entryNodeId}-${i}`;
              return (
                <li key={key} className={chosen === key ? 'current' : undefined}>
                  <button
                    type="button"
                    className="link"
                    aria-pressed={chosen === key}
                    onClick={() => {
                      setChosen(key);
                      const ids = path.steps.map((s) => s.nodeId);
                      highlight(ids[ids.length - 1], new Set(ids));
                    }}
                  >
                    {path.steps
                      .map((s) => (s.output ? `${s.name || s.nodeId} (${s.output})` : s.name || s.nodeId))
                      .join(' → ')}
                  </button>
                  <div className="muted">
                    {path.hears.length ? `Hears: ${withNames(path.hears.join(' · '), data)}. ` : ''}
                    Ends: {withNames(path.ends, data)}.
                  </div>
                </li>
              );
            })}
          </ol>
          {entry.truncated ? <p className="muted">More paths than listed.</p> : null}
        </section>
      ))}
    </div>
  );
}
