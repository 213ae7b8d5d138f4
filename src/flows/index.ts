// The flows module: pure data and logic, shared by the server and the console.
export * from './configs.ts';
export * from './effects.ts';
export * from './interpreter.ts';
export * from './model.ts';
export { cableIndex, ENTRY_TYPES, entryIndex, outputsOf, POST_CALL_TYPES } from './outputs.ts';
export { holidayOn, localTime, scheduleIsOpen } from './schedule.ts';
export { renderTemplate, TEMPLATE_FIELDS, type TemplateField, templateProblem } from './templates.ts';
export { sortIssues, validateWorkspace } from './validate.ts';
export type { FlowReferences } from './validate-refs.ts';
