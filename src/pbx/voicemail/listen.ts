// Listen mode: the PIN (three tries), how many new and saved messages wait, then each message,
// new ones first, with the keys of spec 002's voice mail: 7 delete, 9 save, 1 replay, # or 6
// next, 0 record a new greeting, * leave. A new message becomes saved once it has been heard.
import { mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { PromptSource } from '../../media/index.ts';
import { newId } from '../../store/ids.ts';
import type { Call } from '../calls/call.ts';
import { captureCaller } from './capture.ts';
import { MIN_MESSAGE_MS } from './leave.ts';
import { BEEP, phrases, say } from './phrases.ts';
import { verifyPin } from './pin.ts';
import type { BoxRow, MessageRow, VoicemailStore } from './store.ts';

const PIN_TRIES = 3;
const KEY_WAIT_MS = 6000;
const MENU_REPEATS = 3;
/** Wrong keys in a row before the caller is let go. */
const MAX_WRONG_KEYS = 5;
const GREETING_MAX_MS = 60_000;

export interface ListenDeps {
  store: VoicemailStore;
  /** The box's messages changed (heard, saved, deleted): phones' lamps follow. */
  changed(box: BoxRow): void;
  /** Keeps a greeting recorded by phone (a WAV under DATA_DIR) as the box's greeting. */
  saveGreeting(box: BoxRow, wavPath: string): Promise<void>;
}

export interface ListenOptions {
  /** Ask for the PIN (a box without one cannot be opened this way). */
  askPin: boolean;
}

/** Plays and, after it, waits for a key: undefined after the menu was said MENU_REPEATS times. */
async function menu(call: Call, text: string): Promise<string | undefined> {
  for (let i = 0; i < MENU_REPEATS; i++) {
    const key = (await call.playToCaller(say(text), true)) ?? (await call.readDigit(KEY_WAIT_MS));
    if (key !== undefined) return key;
  }
  return undefined;
}

/** Digits up to '#' (or a pause), the first one possibly typed during the prompt. */
async function readPin(call: Call): Promise<string> {
  let pin = (await call.playToCaller(say(phrases.enterPin), true)) ?? '';
  if (pin === '#') return '';
  for (;;) {
    const key = await call.readDigit(KEY_WAIT_MS);
    if (key === undefined || key === '#') return pin;
    pin += key;
    if (pin.length > 12) return pin;
  }
}

async function checkPin(call: Call, pinHash: string): Promise<boolean> {
  for (let i = 0; i < PIN_TRIES; i++) {
    if (await verifyPin(await readPin(call), pinHash)) return true;
    if (i < PIN_TRIES - 1) await call.playToCaller(say(phrases.wrongPin), false);
  }
  await call.playToCaller(say(phrases.tooManyTries), false);
  return false;
}

async function recordGreeting(call: Call, deps: ListenDeps, box: BoxRow): Promise<void> {
  await call.playToCaller(say(phrases.recordGreeting), false);
  await call.playToCaller(BEEP, false);
  const path = deps.store.absolute(join('voicemail', box.tenantId, `greeting-${newId()}.wav`));
  await mkdir(dirname(path), { recursive: true });
  try {
    const captured = await captureCaller(call, {
      path,
      maxMs: GREETING_MAX_MS,
      silenceMs: 4000,
      trimSilence: true,
    });
    // A greeting cut off by a hang-up was not meant to be kept.
    if (captured.end === 'hangup') return;
    if (captured.durationMs < MIN_MESSAGE_MS) {
      await call.playToCaller(say(phrases.greetingTooShort), false);
      return;
    }
    await deps.saveGreeting(box, path);
    await call.playToCaller(say(phrases.greetingSaved), false);
  } finally {
    await rm(path, { force: true });
  }
}

export async function listenToBox(
  call: Call,
  deps: ListenDeps,
  box: BoxRow,
  o: ListenOptions,
): Promise<void> {
  if (o.askPin) {
    if (!box.pinHash) {
      await call.playToCaller(say(phrases.noPin), false);
      return;
    }
    if (!(await checkPin(call, box.pinHash))) return;
  }
  const messages = await deps.store.messages(box.id);
  const fresh = messages.filter((m) => m.status === 'new').length;
  await call.playToCaller(say(phrases.summary(fresh, messages.length - fresh)), true);

  let i = 0;
  let play = true;
  let wrong = 0;
  const numbers = { new: 0, saved: 0 };
  const position = new Map<MessageRow, number>(
    messages.map((m) => [m, ++numbers[m.status === 'new' ? 'new' : 'saved']]),
  );
  while (i < messages.length) {
    const m = messages[i] as MessageRow;
    let key: string | undefined;
    if (play) {
      play = false;
      key = await call.playToCaller(
        say(phrases.heading(m.status === 'new' ? 'new' : 'saved', position.get(m) ?? i + 1, m.callerNumber)),
        true,
      );
      const audio: PromptSource = { kind: 'file', path: deps.store.absolute(m.path) };
      key ??= await call.playToCaller(audio, true);
      if (m.status === 'new') {
        await deps.store.markSaved(box.tenantId, m.id);
        m.status = 'saved';
        deps.changed(box);
      }
    }
    key ??= await menu(call, phrases.options);
    switch (key) {
      case '7':
        await deps.store.deleteMessage(box.tenantId, m.id);
        deps.changed(box);
        await call.playToCaller(say(phrases.deleted), false);
        i++;
        play = true;
        break;
      case '9':
        await call.playToCaller(say(phrases.saved), false);
        i++;
        play = true;
        break;
      case '#':
      case '6':
        i++;
        play = true;
        break;
      case '1':
        play = true;
        break;
      case '0':
        await recordGreeting(call, deps, box);
        break;
      case '*':
      case undefined:
        await call.playToCaller(say(phrases.goodbye), false);
        return;
      default:
        if (++wrong >= MAX_WRONG_KEYS) {
          await call.playToCaller(say(phrases.goodbye), false);
          return;
        }
    }
    if (key !== undefined && '79#610'.includes(key)) wrong = 0;
  }
  if (messages.length > 0) await call.playToCaller(say(phrases.noMore), false);
  for (;;) {
    const key = await menu(call, phrases.noMessages);
    if (key === '0') await recordGreeting(call, deps, box);
    else break;
  }
  await call.playToCaller(say(phrases.goodbye), false);
}
