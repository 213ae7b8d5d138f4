export { QueueDispatcher, type TickResult } from './dispatcher.ts';
export * from './types.ts';
export { normalizeTags, validateMembers, validateSettings } from './validate.ts';
