// Leave-message mode: the box's greeting (any key skips it), a beep, then the caller's words
// until '#', silence, hang-up or the box's maximum length. A message under a second is no
// message (a caller who hung up at the beep); anything longer is kept, even after a hang-up.
import { mkdir, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { CallerIdentity } from '../../flows/index.ts';
import { newId } from '../../store/ids.ts';
import type { Call } from '../calls/call.ts';
import { captureCaller } from './capture.ts';
import { BEEP, phrases, say } from './phrases.ts';
import { type BoxRow, MAX_MESSAGES_PER_BOX, type MessageRow, type VoicemailStore } from './store.ts';

export const MIN_MESSAGE_MS = 1000;
export const SILENCE_MS = 5000;

export interface LeaveDeps {
  store: VoicemailStore;
  greeting(box: BoxRow): Promise<Parameters<Call['playToCaller']>[0]>;
  /** A message was stored: tell phones (MWI) and mail it. */
  messageLeft(box: BoxRow, message: MessageRow): void;
}

export async function leaveMessage(
  call: Call,
  deps: LeaveDeps,
  box: BoxRow,
  caller: Pick<CallerIdentity, 'number' | 'name'>,
): Promise<MessageRow | undefined> {
  const counts = await deps.store.counts(box.id);
  if (counts.new + counts.old >= MAX_MESSAGES_PER_BOX) {
    await call.playToCaller(say(phrases.mailboxFull), false);
    return undefined;
  }
  await call.playToCaller(await deps.greeting(box), true);
  await call.playToCaller(BEEP, false);
  const id = newId();
  const key = deps.store.messageKey(box.tenantId, id);
  const path = deps.store.absolute(key);
  await mkdir(dirname(path), { recursive: true });
  const captured = await captureCaller(call, {
    path,
    maxMs: box.maxMessageSeconds * 1000,
    silenceMs: SILENCE_MS,
    trimSilence: true,
  });
  if (captured.durationMs < MIN_MESSAGE_MS) {
    await rm(path, { force: true });
    if (captured.end !== 'hangup') await call.playToCaller(say(phrases.goodbye), false);
    return undefined;
  }
  const message = await deps.store.addMessage({
    id,
    tenantId: box.tenantId,
    boxId: box.id,
    callId: call.id,
    callerNumber: caller.number.slice(0, 64),
    callerName: caller.name?.slice(0, 80) ?? null,
    durationMs: captured.durationMs,
    path: key,
    bytes: captured.bytes,
  });
  deps.messageLeft(box, message);
  if (captured.end !== 'hangup') await call.playToCaller(say(phrases.messageSaved), false);
  return message;
}
