// A box's messages, newest first: who called and when, listen in the browser (playing a new
// message marks it heard), mark new again, delete.
import { call, type Response } from '../api/client.ts';
import { useAction, useQuery } from '../api/hooks.ts';
import { formatDateTime, formatDuration } from '../lib/format.ts';
import { Badge, Empty, Loaded } from '../ui/feedback.tsx';
import { FormError } from '../ui/forms.tsx';
import { Section } from '../ui/layout.tsx';

type Box = Response<'GET /api/voicemail/boxes/{id}'>;
type Message = Response<'GET /api/voicemail/boxes/{id}/messages'>['items'][number];

export function Messages({ box, onChanged }: { box: Box; onChanged: () => void }) {
  const messages = useQuery(
    (signal) =>
      call('GET /api/voicemail/boxes/{id}/messages', {
        params: { id: box.id },
        query: { limit: 200 },
        signal,
      }),
    [box.id, box.updatedAt, box.messages.new, box.messages.saved],
  );
  const action = useAction();
  const mark = async (m: Message, status: 'new' | 'saved') => {
    if (m.status === status) return;
    const r = await action.run(() =>
      call('PATCH /api/voicemail/messages/{id}', { params: { id: m.id }, body: { status } }),
    );
    if (r) onChanged();
  };
  const remove = async (m: Message) => {
    const r = await action.run(() => call('DELETE /api/voicemail/messages/{id}', { params: { id: m.id } }));
    if (r !== undefined) onChanged();
  };
  return (
    <Section title={`Messages in ${box.name}`}>
      <FormError error={action.error} />
      <Loaded query={messages}>
        {(page) =>
          page.items.length === 0 ? (
            <Empty>No messages.</Empty>
          ) : (
            <ul className="message-list">
              {page.items
                .slice()
                .reverse()
                .map((m) => (
                  <li key={m.id} className={m.status === 'new' ? 'new' : undefined}>
                    <div className="message-head">
                      <strong>{m.callerName ?? m.callerNumber}</strong>
                      {m.callerName ? <span className="muted"> {m.callerNumber}</span> : null}{' '}
                      <span className="muted">
                        {formatDateTime(m.createdAt)} · {formatDuration(m.durationMs / 1000)}
                      </span>{' '}
                      {m.status === 'new' ? <Badge tone="warn">new</Badge> : null}
                    </div>
                    {/* biome-ignore lint/a11y/useMediaCaption: a caller's spoken message; no transcript exists yet. */}
                    <audio
                      controls
                      preload="none"
                      src={m.audioUrl}
                      onPlay={() => void mark(m, 'saved')}
                      aria-label={`Message from ${m.callerName ?? m.callerNumber}`}
                    />
                    <div className="actions">
                      <a className="btn small" href={m.audioUrl} download>
                        Download
                      </a>
                      {m.status === 'saved' ? (
                        <button type="button" className="btn small" onClick={() => void mark(m, 'new')}>
                          Mark as new
                        </button>
                      ) : (
                        <button type="button" className="btn small" onClick={() => void mark(m, 'saved')}>
                          Mark as heard
                        </button>
                      )}
                      <button type="button" className="btn small danger" onClick={() => void remove(m)}>
                        Delete
                      </button>
                    </div>
                  </li>
                ))}
            </ul>
          )
        }
      </Loaded>
    </Section>
  );
}
