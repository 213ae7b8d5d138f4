export { linePolicy, type PolicyCall } from './line-policy.ts';
export { recordingFile, recordingPath } from './paths.ts';
export { RecordingService, type RecordingServiceOptions } from './recording-service.ts';
export { applyRetention, deleteFile, RetentionJob, type RetentionRun } from './retention.ts';
export { MAX_RETENTION_DAYS, MIN_RETENTION_DAYS, type RecordingSettings } from './settings.ts';
