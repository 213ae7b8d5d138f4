// Public surface of the media layer. It knows nothing of SIP: the PBX layer negotiates SDP
// with the pure functions below and drives endpoints through MediaEngine.

export { HOLD_MUSIC_NOTE_MS, HOLD_MUSIC_NOTES } from './audio/hold-music.ts';
export { encodePcmToMp3, encodeWavToMp3, type Mp3Options } from './audio/mp3-encode.ts';
export { TONE_PLANS, type ToneName } from './audio/tones.ts';
export { synthesizeSpeech, ttsLanguages } from './audio/tts.ts';
export type { AudioPrompt, UploadLimits } from './audio/upload.ts';
export { DEFAULT_UPLOAD_LIMITS, decodeAudioFile } from './audio/upload.ts';
export type { DtmfDigit } from './dtmf/telephone-event.ts';
export type { AllocatedEndpoint, MediaEngineOptions } from './engine/media-engine.ts';
export { MediaEngine } from './engine/media-engine.ts';
export type {
  ConferenceRole,
  DtmfMode,
  EndpointId,
  EndpointOptions,
  EndpointStats,
  MediaEvent,
  PlayOptions,
  PromptSource,
  RecordingOptions,
  WorkerLoad,
} from './engine/protocol.ts';
export { isMediaError, MediaError, type MediaErrorCode } from './errors.ts';
export type { AudioCodec, LocalMediaOptions, NegotiatedAudio } from './sdp/offer-answer.ts';
export {
  anchorSdp,
  answerDirection,
  applyAnswer,
  createAnswer,
  createOffer,
  SUPPORTED_CODECS,
} from './sdp/offer-answer.ts';
export type { Direction, SessionDescription } from './sdp/session-description.ts';
export { parseSdp, serializeSdp } from './sdp/session-description.ts';
