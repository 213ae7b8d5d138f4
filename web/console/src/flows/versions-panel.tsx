// Published versions, newest first: which one is live, who published it and why; roll back
// (publishes a copy of an older version and makes it the draft) and export any of them.
import { useState } from 'react';
import { call, urlOf } from '../api/client.ts';
import { useAction, useQuery } from '../api/hooks.ts';
import { formatDateTime } from '../lib/format.ts';
import { Badge, Empty, Loaded } from '../ui/feedback.tsx';
import { FormError } from '../ui/forms.tsx';
import { Confirm } from '../ui/layout.tsx';

export function VersionsPanel({
  version,
  writable,
  onRolledBack,
}: {
  /** Changes whenever a publish or rollback happened, to reload the list. */
  version: number;
  writable: boolean;
  onRolledBack: () => void;
}) {
  const versions = useQuery(
    (signal) => call('GET /api/workspace/versions', { query: { limit: 50 }, signal }),
    [version],
  );
  const [asking, setAsking] = useState<number>();
  const action = useAction();
  const rollback = async () => {
    if (asking === undefined) return;
    const r = await action.run(() => call('POST /api/workspace/rollback', { body: { version: asking } }));
    if (r) {
      setAsking(undefined);
      onRolledBack();
    }
  };
  return (
    <div className="versions">
      <p>
        <a href={urlOf('GET /api/workspace/export', undefined, { version: 'draft' })} download>
          Export the draft (JSON)
        </a>
      </p>
      <Loaded query={versions}>
        {(page) =>
          page.items.length === 0 ? (
            <Empty>Nothing published yet: calls follow a version once you publish.</Empty>
          ) : (
            <ol className="version-list">
              {page.items.map((v) => (
                <li key={v.version}>
                  <strong>Version {v.version}</strong> {v.live ? <Badge tone="ok">live</Badge> : null}
                  <div className="muted">
                    {formatDateTime(v.publishedAt)}
                    {v.publishedBy ? ` by ${v.publishedBy.email}` : ''}
                  </div>
                  {v.note ? <div>{v.note}</div> : null}
                  <div className="actions">
                    <a href={urlOf('GET /api/workspace/export', undefined, { version: v.version })} download>
                      Export
                    </a>
                    {writable && !v.live ? (
                      <button type="button" className="btn small" onClick={() => setAsking(v.version)}>
                        Roll back to this
                      </button>
                    ) : null}
                  </div>
                </li>
              ))}
            </ol>
          )
        }
      </Loaded>
      {asking !== undefined ? (
        <Confirm
          title={`Roll back to version ${asking}?`}
          message="It is published again as a new version, new calls follow it at once, and it replaces your draft."
          confirm="Roll back"
          pending={action.pending}
          error={<FormError error={action.error} />}
          onConfirm={() => void rollback()}
          onClose={() => setAsking(undefined)}
        />
      ) : null}
    </div>
  );
}
