// One typed error for everything the media layer rejects, so callers can branch on `code`
// instead of parsing messages (DESIGN principle 7: bad input gets a clear error).

export type MediaErrorCode =
  | 'RTP_MALFORMED'
  | 'RTCP_MALFORMED'
  | 'DTMF_MALFORMED'
  | 'SDP_MALFORMED'
  | 'SDP_NO_COMMON_CODEC'
  | 'AUDIO_CORRUPT'
  | 'AUDIO_UNSUPPORTED'
  | 'AUDIO_TOO_LONG'
  | 'AUDIO_TOO_LARGE'
  | 'TTS_FAILED'
  | 'PORTS_EXHAUSTED'
  | 'NOT_FOUND'
  | 'WRONG_WORKER'
  | 'INVALID_ARGUMENT'
  | 'ENGINE_STOPPED';

export class MediaError extends Error {
  override readonly name = 'MediaError';
  constructor(
    readonly code: MediaErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function isMediaError(e: unknown): e is MediaError {
  return e instanceof MediaError;
}
