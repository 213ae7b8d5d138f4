// Registrations of Switchboard to carriers (trunks with authMode 'register'). Placeholder
// interface; the implementation lands with the trunk registration work.
import type { Logger } from 'pino';
import type { SipStack } from '../sip/index.ts';
import type { Directory } from './directory.ts';
import type { PbxEvents } from './events.ts';

export interface TrunkRegistrationState {
  trunkId: string;
  state: 'registering' | 'registered' | 'failed' | 'unregistered';
  /** host:port currently registered to (primary or secondary). */
  registrar: string;
  expiresAt: string | null;
  lastError: string | null;
}

export interface TrunkRegistrationsOptions {
  stack: SipStack;
  directory: Directory;
  events: PbxEvents;
  logger: Logger;
}

export class TrunkRegistrations {
  constructor(private readonly options: TrunkRegistrationsOptions) {}
  start(): void {}
  sync(): void {}
  status(_trunkId: string): TrunkRegistrationState | undefined {
    return undefined;
  }
  all(): TrunkRegistrationState[] {
    return [];
  }
  async stop(): Promise<void> {}
}
