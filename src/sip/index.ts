// Public surface of the SIP layer. The PBX imports from here only.
export * from './errors.ts';
export * from './grammar.ts';
export * from './header-names.ts';
export * from './headers.ts';
export * from './message.ts';
export * from './name-addr.ts';
export * from './parser.ts';
export * from './uri.ts';
