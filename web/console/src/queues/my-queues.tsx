// The signed-in person as a queue agent: their queues and state; log in, pause with a
// reason, resume, log out.
import { useState } from 'react';
import { call, type Response } from '../api/client.ts';
import { useAction, useQuery } from '../api/hooks.ts';
import { useSession } from '../session.tsx';
import { Badge } from '../ui/feedback.tsx';
import { FormError, TextField } from '../ui/forms.tsx';
import { Section } from '../ui/layout.tsx';

type Agent = Response<'GET /api/queues/agents/{personId}'>;

export function MyQueues() {
  const { me } = useSession();
  const mine = useQuery(
    async (signal) =>
      me?.user.personId
        ? call('GET /api/queues/agents/{personId}', { params: { personId: 'me' }, signal })
        : undefined,
    [me?.user.personId],
  );
  const action = useAction();
  const [reason, setReason] = useState('Break');
  const act = async (fn: () => Promise<Agent>) => {
    const r = await action.run(fn);
    if (r) mine.set(r);
  };
  const m = mine.data;
  if (!m || m.memberships.length === 0) return null;
  const loggedIn = m.memberships.some((x) => x.loggedIn);
  const paused = m.memberships.some((x) => x.pausedReason);
  const me_ = { personId: 'me' as const };
  return (
    <Section title="You as an agent">
      <ul className="plain-list">
        {m.memberships.map((x) => (
          <li key={x.memberId}>
            <strong>{x.queueName}</strong>{' '}
            <Badge tone={x.state === 'available' ? 'ok' : 'neutral'}>
              {x.state ?? (x.loggedIn ? 'logged in' : 'logged out')}
            </Badge>
            {x.pausedReason ? <span className="muted"> ({x.pausedReason})</span> : null}
          </li>
        ))}
      </ul>
      <div className="form-actions">
        {loggedIn ? (
          <button
            type="button"
            className="btn"
            onClick={() =>
              void act(() => call('POST /api/queues/agents/{personId}/logout', { params: me_, body: {} }))
            }
          >
            Log out of all queues
          </button>
        ) : (
          <button
            type="button"
            className="btn primary"
            onClick={() =>
              void act(() => call('POST /api/queues/agents/{personId}/login', { params: me_, body: {} }))
            }
          >
            Log in to all queues
          </button>
        )}
        {loggedIn && !paused ? (
          <>
            <TextField label="Pause reason" value={reason} onValue={setReason} />
            <button
              type="button"
              className="btn"
              onClick={() =>
                void act(() =>
                  call('POST /api/queues/agents/{personId}/pause', { params: me_, body: { reason } }),
                )
              }
            >
              Pause
            </button>
          </>
        ) : null}
        {paused ? (
          <button
            type="button"
            className="btn"
            onClick={() =>
              void act(() => call('POST /api/queues/agents/{personId}/unpause', { params: me_, body: {} }))
            }
          >
            Resume
          </button>
        ) : null}
      </div>
      <FormError error={action.error} />
    </Section>
  );
}
