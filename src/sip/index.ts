// Public surface of the SIP layer. The PBX imports from here only.

export * from './auth/digest.ts';
export * from './auth/digest-authenticator.ts';
export * from './auth/digest-client.ts';
export * from './errors.ts';
export * from './factory.ts';
export * from './grammar.ts';
export * from './header-names.ts';
export * from './headers.ts';
export * from './message.ts';
export * from './name-addr.ts';
export * from './parser.ts';
export * from './policy.ts';
export * from './resolver.ts';
export * from './stack.ts';
export * from './transactions/invite-client-transaction.ts';
export * from './transactions/invite-server-transaction.ts';
export * from './transactions/keys.ts';
export * from './transactions/non-invite-client-transaction.ts';
export * from './transactions/non-invite-server-transaction.ts';
export * from './transactions/transaction.ts';
export * from './transport/connections.ts';
export * from './transport/framer.ts';
export * from './transport/stream.ts';
export * from './transport/types.ts';
export * from './transport/udp.ts';
export * from './uri.ts';
