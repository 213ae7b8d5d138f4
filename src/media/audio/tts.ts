// Text to speech with espeak-ng compiled to WASM (npm `espeak-ng`, GPL-3.0-or-later): the
// voices of every language it ships are embedded in the module, nothing is downloaded.
import ESpeakNg from 'espeak-ng';
import { MediaError } from '../errors.ts';
import { toTelephonyPcm } from './resample.ts';
import { decodeWav } from './wav.ts';

export const MAX_TTS_CHARS = 4000;
const LANGUAGE = /^[a-z]{2,3}(-[a-z0-9]{1,8})*$/i;
const VARIANT = /^[a-z0-9_]{1,20}$/i;

export interface SpeechRequest {
  readonly text: string;
  /** espeak-ng language or voice name, e.g. 'en-us', 'fr', 'de', 'cmn'. */
  readonly language: string;
  /** A voice variant such as 'f3' or 'm2'. */
  readonly voice?: string;
}

type EspeakModule = {
  FS: { readFile(path: string): Uint8Array; writeFile(path: string, data: string): void };
};

async function runEspeak(
  args: string[],
  input?: string,
  print?: (line: string) => void,
): Promise<EspeakModule> {
  const options = {
    arguments: args,
    print: print ?? (() => {}),
    printErr: () => {},
    preRun: [
      (m: EspeakModule) => {
        if (input !== undefined) m.FS.writeFile('/input.txt', input);
      },
    ],
  };
  return (await (ESpeakNg as (o: typeof options) => Promise<EspeakModule>)(options)) as EspeakModule;
}

/** Renders speech to mono 16-bit PCM at 8 kHz. */
export async function synthesizeSpeech(req: SpeechRequest): Promise<Int16Array> {
  const text = req.text.trim();
  if (text.length === 0 || text.length > MAX_TTS_CHARS) {
    throw new MediaError('INVALID_ARGUMENT', `TTS text must be 1..${MAX_TTS_CHARS} characters`);
  }
  if (!LANGUAGE.test(req.language))
    throw new MediaError('INVALID_ARGUMENT', `bad TTS language ${req.language}`);
  if (req.voice !== undefined && !VARIANT.test(req.voice))
    throw new MediaError('INVALID_ARGUMENT', `bad voice ${req.voice}`);
  const voice = req.voice ? `${req.language}+${req.voice}` : req.language;
  let wav: Uint8Array;
  try {
    // -f reads the text from a file so that text starting with '-' is never taken as an option.
    const m = await runEspeak(['-v', voice, '-w', '/out.wav', '-f', '/input.txt'], text);
    wav = m.FS.readFile('/out.wav');
  } catch {
    throw new MediaError('TTS_FAILED', `espeak-ng could not speak language ${voice}`);
  }
  const pcm = toTelephonyPcm(decodeWav(wav));
  if (pcm.length === 0) throw new MediaError('TTS_FAILED', `espeak-ng produced no audio for ${voice}`);
  return pcm;
}

let languages: Promise<string[]> | undefined;

/** Every language code espeak-ng ships (its `--voices` list). */
export function ttsLanguages(): Promise<string[]> {
  languages ??= (async () => {
    const lines: string[] = [];
    await runEspeak(['--voices'], undefined, (line) => lines.push(line));
    return lines
      .slice(1)
      .map((l) => l.trim().split(/\s+/)[1])
      .filter((l): l is string => l !== undefined && LANGUAGE.test(l));
  })();
  return languages;
}
