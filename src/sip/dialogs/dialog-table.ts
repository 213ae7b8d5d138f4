// The dialogs of a user agent, found by Call-ID and tags (RFC 3261 §12.2.2), with the early
// dialogs of a forked INVITE kept apart by their remote tags (§12.1.2, §13.2.2.4).
import type { SipRequest, SipResponse } from '../message.ts';
import { Dialog, dialogKey } from './dialog.ts';

export class DialogTable {
  readonly #dialogs = new Map<string, Dialog>();

  get size(): number {
    return this.#dialogs.size;
  }

  add(dialog: Dialog): Dialog {
    this.#dialogs.set(dialog.key, dialog);
    return dialog;
  }

  delete(dialog: Dialog): void {
    if (this.#dialogs.get(dialog.key) === dialog) this.#dialogs.delete(dialog.key);
  }

  /** The dialog an incoming request belongs to: our tag is in To, theirs in From. */
  forRequest(request: SipRequest): Dialog | undefined {
    const localTag = request.to.tag;
    if (localTag === undefined) return undefined;
    return this.#dialogs.get(
      dialogKey({ callId: request.callId, localTag, remoteTag: request.from.tag ?? '' }),
    );
  }

  /** The dialog a response to our request belongs to: our tag in From, theirs in To. */
  forResponse(response: SipResponse): Dialog | undefined {
    const localTag = response.from.tag;
    const remoteTag = response.to.tag;
    if (localTag === undefined || remoteTag === undefined) return undefined;
    return this.#dialogs.get(dialogKey({ callId: response.callId, localTag, remoteTag }));
  }

  /**
   * For a 1xx/2xx with a To tag to our INVITE: the dialog of that remote tag, creating it
   * if this is the first response of that fork; a 2xx confirms it.
   */
  fromResponse(request: SipRequest, response: SipResponse): Dialog | undefined {
    if (response.to.tag === undefined || response.status === 100 || response.status >= 300) return undefined;
    const existing = this.forResponse(response);
    if (existing) {
      if (response.status >= 200) existing.confirm(response);
      else existing.refreshTarget(response);
      return existing;
    }
    return this.add(Dialog.uac(request, response));
  }

  /** All early dialogs of one INVITE (same Call-ID and local tag): the forks. */
  forks(callId: string, localTag: string): Dialog[] {
    return [...this.#dialogs.values()].filter((d) => d.id.callId === callId && d.id.localTag === localTag);
  }

  clear(): void {
    this.#dialogs.clear();
  }
}
