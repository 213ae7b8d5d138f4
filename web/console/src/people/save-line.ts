// What saving a line means besides its own settings: the number routed to it and the
// delivery of its voicemail box. Shared by the create-user wizard and the person page.
import { allPages, call } from '../api/client.ts';
import { type LineDraft, voicemailEmails } from './line-form.tsx';

export const loadNumbers = (signal?: AbortSignal) =>
  allPages((cursor) => call('GET /api/numbers', { query: { limit: 200, cursor }, signal }));

/** The person's voicemail box (the API makes one on first listing). */
export async function voicemailBoxOf(personId: string, signal?: AbortSignal) {
  const page = await call('GET /api/voicemail/boxes', { query: { personId, limit: 1 }, signal });
  return page.items[0];
}

export async function routeNumber(lineId: string, draft: LineDraft, previousNumberId: string): Promise<void> {
  if (draft.numberId === previousNumberId) return;
  if (previousNumberId)
    await call('PATCH /api/numbers/{id}', { params: { id: previousNumberId }, body: { destination: null } });
  if (draft.numberId)
    await call('PATCH /api/numbers/{id}', {
      params: { id: draft.numberId },
      body: { destination: { lineId } },
    });
}

export async function saveVoicemailDelivery(personId: string, draft: LineDraft): Promise<void> {
  if (draft.whenUnavailable !== 'voicemail') return;
  const box = await voicemailBoxOf(personId);
  if (!box) return;
  const emails = voicemailEmails(draft);
  if (emails.join() === box.emails.join() && draft.attachAudio === box.attachAudio) return;
  await call('PATCH /api/voicemail/boxes/{id}', {
    params: { id: box.id },
    body: { emails, attachAudio: draft.attachAudio },
  });
}
