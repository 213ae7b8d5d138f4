// Publishing: the draft becomes the next numbered version and new calls follow it at once.
// A draft with errors is refused; the errors are shown at their objects.
import type { FlowIssue } from '@switchboard/flows';
import { useState } from 'react';
import { ApiFailure, call } from '../api/client.ts';
import { useAction } from '../api/hooks.ts';
import { FormError, Submit, TextField } from '../ui/forms.tsx';
import { Dialog } from '../ui/layout.tsx';

export function PublishDialog({
  ensureSaved,
  onClose,
  onPublished,
  onRefused,
}: {
  ensureSaved: () => Promise<boolean>;
  onClose: () => void;
  onPublished: (version: number, warnings: FlowIssue[]) => void;
  onRefused: (issues: FlowIssue[]) => void;
}) {
  const [note, setNote] = useState('');
  const action = useAction();
  const publish = async (e: React.FormEvent) => {
    e.preventDefault();
    const r = await action.run(async () => {
      if (!(await ensureSaved())) return undefined;
      try {
        return await call('POST /api/workspace/publish', { body: note.trim() ? { note: note.trim() } : {} });
      } catch (err) {
        if (err instanceof ApiFailure && Array.isArray(err.details.issues))
          onRefused(err.details.issues as FlowIssue[]);
        throw err;
      }
    });
    if (r) onPublished(r.version, r.warnings);
  };
  return (
    <Dialog title="Publish the call flows" onClose={onClose}>
      <form onSubmit={publish} noValidate>
        <p>
          The draft becomes the next version and new calls follow it at once; calls in progress finish on the
          version they started with.
        </p>
        <TextField
          label="What changed"
          value={note}
          onValue={setNote}
          maxLength={500}
          hint="Optional; shown in the version list."
        />
        <FormError error={action.error} />
        <div className="dialog-actions">
          <button type="button" className="btn" onClick={onClose}>
            Cancel
          </button>
          <Submit pending={action.pending} busy="Publishing…">
            Publish now
          </Submit>
        </div>
      </form>
    </Dialog>
  );
}
