// Voicemail (spec 000 "Voicemail"): every box the user may open (an agent: their own), its
// messages to listen to in the browser, mark heard or delete, and the box's settings.
import { allPages, call } from '../api/client.ts';
import { useQuery } from '../api/hooks.ts';
import { setQuery, useLocation } from '../router.tsx';
import { useRole } from '../session.tsx';
import { Badge, Empty, Loaded } from '../ui/feedback.tsx';
import { Page } from '../ui/layout.tsx';
import { BoxSettings } from './box-settings.tsx';
import { Messages } from './messages.tsx';

export function VoicemailPage() {
  const role = useRole();
  const chosen = useLocation().query.get('box');
  const boxes = useQuery(
    (signal) =>
      allPages((cursor) => call('GET /api/voicemail/boxes', { query: { limit: 200, cursor }, signal })),
    [],
  );
  return (
    <Page title="Voicemail">
      <Loaded query={boxes}>
        {(list) => {
          if (list.length === 0)
            return <Empty>No voicemail boxes: every person and every queue gets one.</Empty>;
          const box = list.find((b) => b.id === chosen) ?? list[0];
          return (
            <div className="master-detail">
              <nav className="box-list" aria-label="Voicemail boxes">
                <ul>
                  {list.map((b) => (
                    <li key={b.id}>
                      <button
                        type="button"
                        className={b.id === box?.id ? 'box-item active' : 'box-item'}
                        aria-current={b.id === box?.id ? 'true' : undefined}
                        onClick={() => setQuery({ box: b.id })}
                      >
                        <span>{b.name}</span>
                        {b.messages.new ? (
                          <Badge tone="warn">{b.messages.new} new</Badge>
                        ) : (
                          <span className="muted">{b.messages.saved} heard</span>
                        )}
                      </button>
                    </li>
                  ))}
                </ul>
              </nav>
              {box ? (
                <div>
                  <Messages box={box} onChanged={boxes.reload} />
                  <BoxSettings
                    key={box.id}
                    box={box}
                    onSaved={boxes.reload}
                    writable={role !== 'agent' || box.owner.kind === 'person'}
                  />
                </div>
              ) : null}
            </div>
          );
        }}
      </Loaded>
    </Page>
  );
}
