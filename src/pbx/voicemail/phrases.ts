// What voicemail says to callers, spoken by TTS, and the beep before recording.
import type { PromptSource } from '../../media/index.ts';

export const LANGUAGE = 'en';

export const say = (text: string): PromptSource => ({ kind: 'tts', text, language: LANGUAGE });

/** The tone that tells the caller to start speaking. */
export const BEEP: PromptSource = { kind: 'custom-tone', frequencies: [1000], durationMs: 400 };

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

export const phrases = {
  unavailable: (name: string) => `${name} is not available. Please leave a message after the tone.`,
  mailboxFull: 'This mailbox is full. Goodbye.',
  messageSaved: 'Your message has been saved. Goodbye.',
  enterPin: 'Please enter your PIN, then press pound.',
  wrongPin: 'That PIN is not right.',
  tooManyTries: 'Too many wrong PINs. Goodbye.',
  noPin: 'This mailbox has no PIN yet. Set one in the console first. Goodbye.',
  summary: (n: number, old: number) =>
    `You have ${plural(n, 'new message', 'new messages')} and ${plural(old, 'saved message', 'saved messages')}.`,
  heading: (kind: 'new' | 'saved', index: number, caller: string) =>
    `${kind === 'new' ? 'New' : 'Saved'} message ${index}, from ${spell(caller)}.`,
  options:
    'Press 7 to delete, 9 to save, 1 to hear it again, pound for the next message, 0 to change your greeting, or star to leave.',
  noMessages: 'Press 0 to change your greeting, or star to leave.',
  noMore: 'There are no more messages.',
  deleted: 'Message deleted.',
  saved: 'Message saved.',
  recordGreeting: 'Record your greeting after the tone, then press pound.',
  greetingSaved: 'Your greeting has been saved.',
  greetingTooShort: 'That greeting was too short, nothing was changed.',
  goodbye: 'Goodbye.',
};

/** A number read digit by digit ("2 0 1"), not as "two hundred and one". */
function spell(number: string): string {
  if (!/^\+?\d+$/.test(number))
    return number.replace(/[^\p{L}\p{N} ]/gu, ' ').slice(0, 40) || 'an unknown caller';
  return number.replace(/^\+/, 'plus ').replace(/(\d)(?=\d)/g, '$1 ');
}
