// The flows module: pure data and logic, shared by the server and the console.
export * from './configs.ts';
export { describePrompt, describeTarget } from './describe.ts';
export { diffWorkspaces, type WorkspaceDiff } from './diff.ts';
export * from './effects.ts';
export * from './expectations.ts';
export { httpBranch, lookupName, MAX_REPLY_CHARS } from './http-reply.ts';
export { holidaysFromICal } from './ical.ts';
export * from './interpreter.ts';
export * from './model.ts';
export { cableIndex, ENTRY_TYPES, entryIndex, outputsOf, POST_CALL_TYPES } from './outputs.ts';
export * from './paths.ts';
export { rewriteNumber } from './run-nodes.ts';
export { holidayOn, localTime, scheduleIsOpen } from './schedule.ts';
export { redactSecrets, restoreSecrets, SECRET_PLACEHOLDER } from './secrets.ts';
export * from './simulator.ts';
export { renderTemplate, TEMPLATE_FIELDS, type TemplateField, templateProblem } from './templates.ts';
export { sortIssues, validateWorkspace } from './validate.ts';
export type { FlowReferences } from './validate-refs.ts';
