// The confirmation of a setting changed by feature code: the caller is answered, hears one
// short sentence, and is hung up.
import type { ServiceStep } from '../calls/call-types.ts';

/** English for now: the company has no language setting yet. */
const LANGUAGE = 'en';

export function spoken(service: string, text: string): ServiceStep {
  return {
    service,
    run: async (call) => {
      await call.playToCaller({ kind: 'tts', text, language: LANGUAGE }, false);
    },
  };
}
