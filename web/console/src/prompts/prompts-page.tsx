// The audio library: prompts callers hear (greetings, menus, hold music), uploaded or
// spoken by text-to-speech; listen in the browser, delete those no flow uses.
import { useState } from 'react';
import { allPages, call } from '../api/client.ts';
import { useAction, useQuery } from '../api/hooks.ts';
import { formatDuration } from '../lib/format.ts';
import { canWrite, useRole } from '../session.tsx';
import { Badge, Empty, Loaded, Saved } from '../ui/feedback.tsx';
import { FormError } from '../ui/forms.tsx';
import { Confirm, Page, Section } from '../ui/layout.tsx';
import { type Prompt, TtsPromptForm, UploadPromptForm } from './prompt-forms.tsx';

export const loadPrompts = (signal?: AbortSignal) =>
  allPages((cursor) => call('GET /api/prompts', { query: { limit: 200, cursor }, signal }));

export function PromptsPage() {
  const role = useRole();
  const writable = canWrite(role, 'prompts');
  const prompts = useQuery(loadPrompts, []);
  const [added, setAdded] = useState<string>();
  const [deleting, setDeleting] = useState<Prompt>();
  const remove = useAction();
  const created = (p: Prompt) => {
    setAdded(`Added “${p.name}”.`);
    prompts.reload();
  };
  const doDelete = async () => {
    if (!deleting) return;
    const r = await remove.run(() => call('DELETE /api/prompts/{id}', { params: { id: deleting.id } }));
    if (r !== undefined) {
      setDeleting(undefined);
      prompts.reload();
    }
  };
  return (
    <Page title="Audio library">
      <Section title="Prompts">
        <Saved message={added} />
        <Loaded query={prompts}>
          {(list) =>
            list.length === 0 ? (
              <Empty>No prompts yet. Upload a recording or type a text for the voice to speak.</Empty>
            ) : (
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Name</th>
                      <th scope="col">Kind</th>
                      <th scope="col">Length</th>
                      <th scope="col">Listen</th>
                      {writable ? (
                        <th scope="col">
                          <span className="visually-hidden">Actions</span>
                        </th>
                      ) : null}
                    </tr>
                  </thead>
                  <tbody>
                    {list.map((p) => (
                      <tr key={p.id}>
                        <td>
                          <strong>{p.name}</strong>
                          {p.text ? <div className="muted clamp">{p.text}</div> : null}
                        </td>
                        <td>
                          <Badge>{p.kind === 'tts' ? `speech (${p.language})` : 'recording'}</Badge>
                        </td>
                        <td>{p.durationMs !== null ? formatDuration(p.durationMs / 1000) : '—'}</td>
                        <td>
                          {/* biome-ignore lint/a11y/useMediaCaption: prompts are short recordings; their text is beside them. */}
                          <audio
                            controls
                            preload="none"
                            src={p.audioUrl}
                            aria-label={`Listen to ${p.name}`}
                          />
                        </td>
                        {writable ? (
                          <td>
                            <button type="button" className="btn small danger" onClick={() => setDeleting(p)}>
                              Delete
                            </button>
                          </td>
                        ) : null}
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )
          }
        </Loaded>
      </Section>
      {writable ? (
        <div className="grid-2">
          <Section title="Upload a recording">
            <UploadPromptForm onCreated={created} />
          </Section>
          <Section title="Text to speech">
            <TtsPromptForm onCreated={created} />
          </Section>
        </div>
      ) : null}
      {deleting ? (
        <Confirm
          title={`Delete “${deleting.name}”?`}
          message="Callers no longer hear it. A prompt that a flow uses cannot be deleted."
          confirm="Delete"
          pending={remove.pending}
          error={<FormError error={remove.error} />}
          onConfirm={() => void doDelete()}
          onClose={() => {
            setDeleting(undefined);
            remove.clear();
          }}
        />
      ) : null}
    </Page>
  );
}
